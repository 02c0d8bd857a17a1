# verdict: accept
# worst-case: 5
    r2 = 1
    *(u64 *)(r10 - 8) = r2
    r0 = 1
    r0 = cmpxchg_64(r10 - 8, r0, r2)
    exit
