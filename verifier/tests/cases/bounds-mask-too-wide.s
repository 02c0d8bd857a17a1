# verdict: reject OutOfBounds at 3
# mem-len: 16
    r2 = *(u64 *)(r1 + 0)
    r2 &= 31
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
