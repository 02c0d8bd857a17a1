# verdict: reject PointerArithmetic at 4
# mem-len: 8
# r3 stopped being a copy when it was incremented.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    r3 += 1
    r2 ^= r3
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
