// BTF fixture: struct layouts. The expected layouts are asserted in vm/tests/btf.rs.
// Rebuild with scripts/rebuild-btf-fixtures.sh.
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

typedef __u32 rf_pid_t;

enum rf_kind { RF_EXEC = 1, RF_OPEN = 2, RF_CONNECT = 3 };

struct rf_str {
	__u16 len;
	char bytes[14];
};

struct rf_event {
	__u64 timestamp;
	rf_pid_t pid;
	__u32 uid;
	char comm[16];
	struct rf_str path;
	enum rf_kind kind;
	unsigned int is_root : 1;
	unsigned int depth : 7;
	const volatile __u8 flags;
	__s64 args[2][3];
	union {
		__u32 addr4;
		__u8 addr6[16];
	} addr;
	struct rf_str *next;
	int (*callback)(int, const char *);
};

SEC("exec")
int check(struct rf_event *event)
{
	if (event->is_root && event->path.len > 4)
		return event->depth;
	return event->pid == 1;
}

char LICENSE[] SEC("license") = "GPL";
