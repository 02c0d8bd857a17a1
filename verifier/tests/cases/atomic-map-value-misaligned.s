# verdict: reject MisalignedAtomic at 3
    r1 = map_value(0, 0) ll
    w2 = 1
    lock *(u32 *)(r1 + 6) += w2
    r0 = 0
    exit
