// BTF fixture: BTF-defined maps in `.maps`. The expected definitions are asserted in
// vm/tests/btf.rs. Rebuild with scripts/rebuild-btf-fixtures.sh.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rf_proc {
	__u32 pid;
	__u32 ppid;
	char comm[16];
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct rf_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(max_entries, 4);
} counters SEC(".maps");

SEC("exec")
int count(void *ctx)
{
	__u32 key = 0;
	__u64 *counter = bpf_map_lookup_elem(&counters, &key);
	if (!counter)
		return 0;
	*counter += 1;
	struct rf_proc *proc = bpf_map_lookup_elem(&procs, &key);
	return proc ? proc->pid : 0;
}

char LICENSE[] SEC("license") = "GPL";
