# verdict: reject OutOfBounds at 6
# mem-len: 16
    r2 = 0x100000000 ll
    r2 >>= 32
    r2 += 15
    r2 += 1
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
