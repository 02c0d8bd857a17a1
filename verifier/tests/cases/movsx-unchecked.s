# verdict: reject OutOfBounds at 3
# mem-len: 128
    r2 = *(u8 *)(r1 + 0)
    r2 = (s8)r2
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
