# verdict: accept
# mem-len: 16
    r3 = *(u8 *)(r1 + 0)
    r3 &= 4
    r1 += r3
    w2 = 1
    lock *(u32 *)(r1 + 4) += w2
    r0 = 0
    exit
