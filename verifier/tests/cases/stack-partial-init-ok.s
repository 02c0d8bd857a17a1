# verdict: accept
# worst-case: 5
    r0 = 7
    *(u32 *)(r10 - 8) = r0
    *(u32 *)(r10 - 4) = r0
    r0 = *(u64 *)(r10 - 8)
    exit
