// Channel File 291 in miniature. This rule was compiled against version 2 of the
// ipc_template event, which has 21 input values (ipc_template_v2.h, generated from
// examples/schemas/ipc_template_21.json); it matches on the 21st. The host that loads it
// supplies version 1, with 20 values (examples/schemas/ipc_template_20.json).
//
// In July 2024 the content interpreter read the 21st of 20 inputs in kernel mode and 8.5
// million machines crashed. Here, the loader compares the rule's view of the event (its
// BTF) with the host's schema before anything runs, and refuses the rule, naming value_21.
#include "ipc_template_v2.h"
#include <bpf/bpf_helpers.h>

SEC("ipc_template")
int channel_291(const struct rf_ipc_template *ev)
{
    if (rf_str_glob(ev, RF_IPC_TEMPLATE_VALUE_21, RF_LIT("\\\\.\\pipe\\*")))
        return 1;
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
