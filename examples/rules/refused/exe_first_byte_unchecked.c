// REFUSED: the unsafe twin of exe_first_byte.c. It reads the first byte of `exe` without
// comparing against data_end; an event whose data area is shorter than `exe.off + 1` would
// make it read past the event. The verifier refuses it and names this line.
#include "ringfence.h"
#include <bpf/bpf_helpers.h>

SEC("process_exec")
int exe_first_byte_unchecked(const struct rf_process_exec *ev)
{
    const char *data = (const char *)(long)ev->data;
    const char *exe = data + ev->exe.off;
    if (exe[0] == '/')
        return 0;
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
