// For the engine's tests: a rule calling a helper the host adds (number 2000), which tells
// whether a user id is an administrator in the host's own directory.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

static long (*host_is_admin)(__u32 uid) = (void *)2000;

SEC("process_exec")
int admin_exec(const struct rf_process_exec *ev)
{
    return host_is_admin(ev->uid) == 1;
}

char LICENSE[] SEC("license") = "MIT";
