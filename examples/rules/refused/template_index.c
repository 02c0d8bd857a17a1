// REFUSED: Channel File 291 as an index. The rule looks up a weight in a table of 20 by an
// index the event supplies, without comparing the index with 20 first: an event with
// stdin_type 20 or more would read past the table, as the content interpreter read the
// 21st of 20 input values. The verifier refuses it, naming the line and the bound.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

__u32 weights[20] = {0, 1, 1, 3, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

SEC("process_exec")
int template_index(const struct rf_process_exec *ev)
{
    if (ev->stdin_type != 4) /* only processes reading a socket */
        return 0;
    __u32 i = ev->uid;
    if (weights[i] > 2)
        return 1;
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
