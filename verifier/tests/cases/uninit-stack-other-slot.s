# verdict: reject UninitStack at 1
    *(u64 *)(r10 - 8) = 3
    r0 = *(u64 *)(r10 - 16)
    exit
