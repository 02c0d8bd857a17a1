# verdict: accept
# worst-case: 6
# mem-len: 16
# [0, 3] * 5 is in [0, 15].
    r2 = *(u8 *)(r1 + 0)
    r2 &= 3
    r2 *= 5
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
