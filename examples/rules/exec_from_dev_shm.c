// A program executed from /dev/shm: a world-writable tmpfs that droppers love, because it
// leaves nothing on disk.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 5

SEC("process_exec")
int exec_from_dev_shm(const struct rf_process_exec *ev)
{
    if (!rf_str_prefix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/dev/shm/")) &&
        !rf_str_prefix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/run/shm/")))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
