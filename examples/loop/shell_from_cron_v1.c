// The first version of shell_from_cron.c, kept as the baseline of the author's loop (README,
// "The rule author's loop"): it compares the executable's whole path with /bin/bash and
// /bin/sh, so a shell started as /usr/bin/bash (merged /usr, the default on most
// distributions today) goes unseen.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 21

SEC("process_exec")
int shell_from_cron(const struct rf_process_exec *ev)
{
    if (!rf_str_suffix(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("/cron")))
        return 0;
    if (!rf_str_eq(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/bin/bash")) &&
        !rf_str_eq(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/bin/sh")))
        return 0;
    rf_alert(ev, RULE_ID, RF_LIT("shell from cron"));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
