# verdict: reject OutOfBounds at 4
# mem-len: 16
    r2 = *(u8 *)(r1 + 0)
    r2 &= 3
    r2 *= 6
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
