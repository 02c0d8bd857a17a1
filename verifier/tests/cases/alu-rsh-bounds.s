# verdict: accept
# worst-case: 5
# mem-len: 16
# x >> 60 is in [0, 15].
    r2 = *(u64 *)(r1 + 0)
    r2 >>= 60
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
