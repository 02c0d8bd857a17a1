# verdict: reject PointerArithmetic at 2
# mem-len: 16
# A byte swapped to the top of 64 bits is huge.
    r2 = *(u8 *)(r1 + 0)
    r2 = bswap64 r2
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
