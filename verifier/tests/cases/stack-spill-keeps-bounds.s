# verdict: accept
# worst-case: 7
# mem-len: 16
# A spilled scalar keeps its range.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 7
    *(u64 *)(r10 - 8) = r2
    r3 = *(u64 *)(r10 - 8)
    r1 += r3
    r0 = *(u8 *)(r1 + 8)
    exit
