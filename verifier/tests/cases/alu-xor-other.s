# verdict: reject PointerArithmetic at 3
# mem-len: 8
# FIXME: a copy is the same value, but relations between registers are not tracked.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    r2 ^= r3
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
