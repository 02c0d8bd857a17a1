# verdict: accept
# worst-case: 5
# mem-len: 1
# x ^ x is 0 when both operands are the same register.
    r2 = *(u8 *)(r1 + 0)
    r2 ^= r2
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
