// A shell whose parent is a web server: a web shell or a command injection turning into
// code execution.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 6

static const char shells[] = "sh\0bash\0dash\0zsh\0ash\0ksh";

static __attribute__((noinline)) int is_web_server(const struct rf_process_exec *ev)
{
    return rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/nginx")) ||
           rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/apache2")) ||
           rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/httpd")) ||
           rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/php-fpm*")) ||
           rf_str_glob(ev, RF_PROCESS_EXEC_PARENT_EXE, RF_LIT("*/lighttpd"));
}

static __attribute__((noinline)) int is_shell(const struct rf_process_exec *ev)
{
    // Any element of args equals a shell name: argv[0] is how the shell was called.
    return rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("sh")) &&
           rf_in_set(ev, RF_PROCESS_EXEC_ARGS, RF_SET(shells));
}

SEC("process_exec")
int webserver_shell(const struct rf_process_exec *ev)
{
    if (!is_web_server(ev) || !is_shell(ev))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
