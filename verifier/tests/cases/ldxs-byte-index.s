# verdict: reject OutOfBounds at 2
# mem-len: 256
# A signed byte may be negative.
    r2 = *(s8 *)(r1 + 0)
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
