# verdict: reject OutOfBounds at 5
# mem-len: 16
    r2 = *(u8 *)(r1 + 0)
    r2 <<= 56
    r2 s>>= 60
    r2 += 9
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
