# verdict: accept
# worst-case: 3
    *(u64 *)(r10 - 8) = 3
    r0 = *(u64 *)(r10 - 8)
    exit
