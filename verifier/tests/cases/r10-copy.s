# verdict: accept
# worst-case: 5
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    r0 = *(u64 *)(r10 - 8)
    exit
