# verdict: reject UninitRegister at 2
# cmpxchg compares with r0.
    r2 = 1
    *(u64 *)(r10 - 8) = r2
    r0 = cmpxchg_64(r10 - 8, r0, r2)
    exit
