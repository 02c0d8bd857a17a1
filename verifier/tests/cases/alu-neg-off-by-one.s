# verdict: reject OutOfBounds at 5
# mem-len: 16
    r2 = *(u8 *)(r1 + 0)
    r2 &= 15
    r2 = -r2
    r2 += 16
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
