# verdict: reject PointerArithmetic at 5
# mem-len: 16
# A byte store into the spill makes the slot an unknown number.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 7
    *(u64 *)(r10 - 8) = r2
    *(u8 *)(r10 - 1) = r2
    r3 = *(u64 *)(r10 - 8)
    r1 += r3
    r0 = *(u8 *)(r1 + 8)
    exit
