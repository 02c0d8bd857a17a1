// REFUSED: counts executions per user in a hash map, but uses the value the lookup returns
// without checking it: the lookup returns NULL for a user not yet counted. The verifier
// refuses the read and names the lookup whose result must be compared with NULL.
#include "ringfence.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1024);
} execs_by_uid SEC(".maps");

SEC("process_exec")
int map_value_unchecked(const struct rf_process_exec *ev)
{
    __u32 uid = ev->uid;
    __u64 *n = bpf_map_lookup_elem(&execs_by_uid, &uid);
    *n += 1;
    return *n > 100;
}

char LICENSE[] SEC("license") = "MIT";
