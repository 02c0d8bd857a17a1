# verdict: accept
# worst-case: 5
# mem-len: 16
# A 32-bit op clears the high half.
    r2 = *(u64 *)(r1 + 0)
    w2 &= 15
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
