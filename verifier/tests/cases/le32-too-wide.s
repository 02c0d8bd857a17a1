# verdict: reject PointerArithmetic at 2
# mem-len: 65536
    r2 = *(u64 *)(r1 + 0)
    r2 = le32 r2
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
