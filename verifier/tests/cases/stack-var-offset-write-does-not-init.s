# verdict: reject UninitStack at 6
# mem-len: 1
# A write at a variable offset may miss any given byte.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 7
    r3 = r10
    r3 += -8
    r3 += r2
    *(u8 *)(r3 + 0) = 1
    r0 = *(u8 *)(r10 - 8)
    exit
