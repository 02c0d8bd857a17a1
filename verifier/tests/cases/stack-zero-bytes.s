# verdict: accept
# worst-case: 5
# mem-len: 1
# Zeroed bytes read back as the constant 0.
    *(u32 *)(r10 - 4) = 0
    r2 = *(u32 *)(r10 - 4)
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
