# verdict: accept
# worst-case: 5
# mem-len: 16
# A mask bounds the index.
    r2 = *(u64 *)(r1 + 0)
    r2 &= 15
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
