// A sensitive file (/etc/shadow, /etc/gshadow, sudoers) opened by a process that has no
// business reading it. Password tools and sshd legitimately do; a shell script does not.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

#define RULE_ID 2

static const char sensitive[] = "/etc/shadow\0/etc/gshadow\0/etc/sudoers";
static const char allowed[] = "/usr/bin/sudo\0/usr/bin/passwd\0/usr/sbin/visudo\0"
                              "/usr/sbin/sshd\0/usr/bin/login\0/usr/sbin/unix_chkpwd\0"
                              "/usr/bin/su\0/usr/sbin/chpasswd";

SEC("file_open")
int sensitive_file_read(const struct rf_file_open *ev)
{
    if (!rf_in_set(ev, RF_FILE_OPEN_PATH, RF_SET(sensitive)) &&
        !rf_str_prefix(ev, RF_FILE_OPEN_PATH, RF_LIT("/etc/sudoers.d/")))
        return 0;
    if (rf_in_set(ev, RF_FILE_OPEN_EXE, RF_SET(allowed)))
        return 0;
    __u32 pid = ev->pid;
    rf_alert(ev, RULE_ID, &pid, sizeof(pid));
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
