# verdict: reject UninitStack at 0
    r0 = *(u64 *)(r10 - 8)
    exit
