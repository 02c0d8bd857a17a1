# verdict: reject UninitStack at 2
# Only the low 4 bytes were written.
    r0 = 7
    *(u32 *)(r10 - 8) = r0
    r0 = *(u64 *)(r10 - 8)
    exit
