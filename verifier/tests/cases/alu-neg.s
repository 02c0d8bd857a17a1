# verdict: accept
# worst-case: 7
# mem-len: 16
# 15 - [0, 15] is in [0, 15].
    r2 = *(u8 *)(r1 + 0)
    r2 &= 15
    r2 = -r2
    r2 += 15
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
