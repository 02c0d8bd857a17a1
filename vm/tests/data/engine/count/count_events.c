// For the engine's stress tests: counts each process_exec event by its pid (the test's
// event id) in an array map, so that after a run every pack's map tells which events that
// pack evaluated and how often. Matches (and alerts with the pid) when the pid is odd.
#include "ringfence.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define RULE_ID 1000
#define MAX_EVENTS 65536

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MAX_EVENTS);
} counts SEC(".maps");

SEC("process_exec")
int count_events(const struct rf_process_exec *ev)
{
    __u32 pid = ev->pid;
    __u64 *count = bpf_map_lookup_elem(&counts, &pid);
    if (count)
        __sync_fetch_and_add(count, 1);
    if (!(pid & 1))
        return 0;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
