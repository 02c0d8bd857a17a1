# verdict: reject MisalignedAtomic at 1
# mem-len: 16
    r2 = 1
    lock *(u64 *)(r1 + 4) += r2
    r0 = 0
    exit
