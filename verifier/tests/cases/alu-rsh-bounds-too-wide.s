# verdict: reject OutOfBounds at 3
# mem-len: 16
# x >> 59 is in [0, 31].
    r2 = *(u64 *)(r1 + 0)
    r2 >>= 59
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
