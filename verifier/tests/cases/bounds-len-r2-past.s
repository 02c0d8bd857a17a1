# verdict: reject OutOfBounds at 2
# mem-len: 4
    r3 = r1
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit
