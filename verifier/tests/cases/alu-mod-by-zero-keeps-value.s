# verdict: reject OutOfBounds at 4
# mem-len: 16
# x % 0 is x, still up to 255.
    r2 = *(u8 *)(r1 + 0)
    r3 = 0
    r2 %= r3
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
