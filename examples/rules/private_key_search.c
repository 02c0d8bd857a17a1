// grep or find hunting for private keys: credential harvesting after a break-in.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 4

SEC("process_exec")
int private_key_search(const struct rf_process_exec *ev)
{
    int searcher = rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/grep")) ||
                   rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/egrep")) ||
                   rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/find")) ||
                   rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/rg"));
    if (!searcher)
        return 0;
    if (!rf_str_contains(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("PRIVATE KEY")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("*id_rsa*")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("*id_ed25519*")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_ARGS, RF_LIT("*id_ecdsa*")) &&
        !rf_str_suffix_ci(ev, RF_PROCESS_EXEC_ARGS, RF_LIT(".pem")))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
