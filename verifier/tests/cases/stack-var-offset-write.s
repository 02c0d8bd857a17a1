# verdict: accept
# worst-case: 8
# mem-len: 1
    r2 = *(u8 *)(r1 + 0)
    r2 &= 7
    r3 = r10
    r3 += -64
    r3 += r2
    *(u8 *)(r3 + 0) = 1
    r0 = 0
    exit
