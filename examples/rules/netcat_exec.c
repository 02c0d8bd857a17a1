// netcat or ncat started with -e or -c: it will hand a program's stdin and stdout to a
// network peer, the classic bind or reverse shell.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 3

static const char netcats[] = "nc\0ncat\0netcat\0nc.traditional\0nc.openbsd";

SEC("process_exec")
int netcat_exec(const struct rf_process_exec *ev)
{
    if (!rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/nc")) &&
        !rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/ncat")) &&
        !rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/netcat")) &&
        !rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/nc.traditional")) &&
        !rf_in_set(ev, RF_PROCESS_EXEC_EXE, RF_SET(netcats)))
        return 0;
    // -e, -c, or any argument that starts with them (`-e/bin/sh`, `--exec`, `-c`).
    if (!rf_str_prefix(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("-e")) &&
        !rf_str_prefix(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("-c")) &&
        !rf_str_eq(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("--exec")) &&
        !rf_str_eq(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("--sh-exec")))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
