# verdict: reject PointerArithmetic at 3
# mem-len: 16
# A 32-bit add leaves any low 32-bit value.
    r2 = *(u64 *)(r1 + 0)
    w2 += 1
    r2 &= -1
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
