// A shell started by cron: a crontab entry that spawns an interactive-style shell is a
// common persistence trick. This is the fixed version of shell_from_cron_v1.c: it matches
// the shell by the end of its path, so /bin/bash and /usr/bin/bash both count.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 21

SEC("process_exec")
int shell_from_cron(const struct rf_process_exec *ev)
{
    if (!rf_str_suffix(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("/cron")))
        return 0;
    if (!rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/bash")) &&
        !rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/sh")))
        return 0;
    rf_alert(ev, RULE_ID, RF_LIT("shell from cron"));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
