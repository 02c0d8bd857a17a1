# verdict: accept
# worst-case: 7
# mem-len: 16
# x % 0 is x.
    r2 = *(u8 *)(r1 + 0)
    r3 = 0
    r2 %= r3
    r2 &= 15
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
