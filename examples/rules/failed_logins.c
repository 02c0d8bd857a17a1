// Repeated failed logins from one source: five failures within sixty seconds raise an
// alert (password guessing). Counts live in a hash map keyed by source address.
#include "ringfence.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define RULE_ID 10
#define THRESHOLD 5
#define WINDOW_NS (60ULL * 1000 * 1000 * 1000)

struct window {
    __u64 start_ns; /* when the first failure of the current window happened */
    __u64 failures;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32[4]);
    __type(value, struct window);
    __uint(max_entries, 4096);
} failures_by_source SEC(".maps");

SEC("auth_attempt")
int failed_logins(const struct rf_auth_attempt *ev)
{
    if (ev->success)
        return 0;
    __u32 source[4] = {ev->saddr[0], ev->saddr[1], ev->saddr[2], ev->saddr[3]};
    __u64 now = bpf_ktime_get_ns();
    struct window *w = bpf_map_lookup_elem(&failures_by_source, source);
    if (!w) {
        struct window fresh = {.start_ns = now, .failures = 1};
        bpf_map_update_elem(&failures_by_source, source, &fresh, BPF_ANY);
        return 0;
    }
    if (now - w->start_ns > WINDOW_NS) {
        w->start_ns = now;
        w->failures = 1;
        return 0;
    }
    w->failures += 1;
    if (w->failures != THRESHOLD)
        return 0;
    rf_alert(ev, RULE_ID, source, sizeof(source));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
