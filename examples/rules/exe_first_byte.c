// Reads an event string byte by byte instead of through a helper: the bounds check against
// data_end is what lets the verifier prove the read safe. Matches relative executable paths
// (`./payload`), which droppers use and package managers never do.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 11

SEC("process_exec")
int exe_first_byte(const struct rf_process_exec *ev)
{
    const char *data = (const char *)(long)ev->data;
    const char *data_end = (const char *)(long)ev->data_end;
    const char *exe = data + ev->exe.off;
    if (ev->exe.len == 0 || exe + 1 > data_end)
        return 0;
    if (exe[0] == '/')
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
