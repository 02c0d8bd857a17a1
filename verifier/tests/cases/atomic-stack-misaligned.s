# verdict: reject MisalignedAtomic at 3
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    w2 = 1
    lock *(u32 *)(r10 - 6) += w2
    r0 = 0
    exit
