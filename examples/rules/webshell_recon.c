// Reconnaissance commands (whoami, id, uname, ...) run by a web server's child: the first
// thing an attacker types into a freshly planted web shell.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 9

static const char recon[] = "whoami\0id\0uname\0hostname\0ifconfig\0ip\0netstat\0ss\0ps\0"
                            "cat /etc/passwd";

SEC("process_exec")
int webshell_recon(const struct rf_process_exec *ev)
{
    if (!rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/nginx")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/apache2")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/httpd")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/php-fpm*")))
        return 0;
    // argv[0] is the command as typed: match on the basename of the executable instead,
    // which the web shell cannot disguise by renaming argv[0].
    if (!rf_str_glob(ev, RF_PROCESS_EXEC_EXE, RF_LIT("*/whoami")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_EXE, RF_LIT("*/id")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_EXE, RF_LIT("*/uname")) &&
        !rf_str_glob(ev, RF_PROCESS_EXEC_EXE, RF_LIT("*/hostname")) &&
        !rf_in_set(ev, RF_PROCESS_EXEC_ARGS, RF_SET(recon)))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
