// BTF fixture: line information. vm/tests/btf.rs asserts which C line some instructions
// come from, so keep the line numbers of this file stable.
// Rebuild with scripts/rebuild-btf-fixtures.sh.
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) __u64 square(__u64 x)
{
	return x * x;
}

SEC("exec")
int lines(__u64 *ctx)
{
	__u64 a = ctx[0];
	__u64 b = ctx[1];
	if (a > b)
		return (int)square(a - b);
	return (int)(b - a);
}

char LICENSE[] SEC("license") = "GPL";
