# verdict: accept
# worst-case: 7
# mem-len: 16
# A signed nibble in [-8, 7], plus 8.
    r2 = *(u8 *)(r1 + 0)
    r2 <<= 56
    r2 s>>= 60
    r2 += 8
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
