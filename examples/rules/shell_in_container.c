// An interactive shell started inside a container: a shell binary, a container id and a
// controlling terminal. Attackers who break into a container reach for exactly this.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 1

static const char shells[] = "/bin/sh\0/bin/bash\0/bin/dash\0/bin/zsh\0/bin/ash\0"
                             "/usr/bin/sh\0/usr/bin/bash\0/usr/bin/dash\0/usr/bin/zsh";

SEC("process_exec")
int shell_in_container(const struct rf_process_exec *ev)
{
    if (ev->container_id.len == 0 || ev->tty.len == 0)
        return 0;
    if (!rf_in_set(ev, RF_PROCESS_EXEC_EXE, RF_SET(shells)))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
