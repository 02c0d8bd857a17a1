# verdict: accept
# worst-case: 6
# mem-len: 16
# lddw loads the exact 64-bit value.
    r2 = 0x100000000 ll
    r2 >>= 32
    r2 += 14
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
