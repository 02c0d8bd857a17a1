# verdict: accept
# worst-case: 5
# mem-len: 65536
# le16 keeps 16 bits.
    r2 = *(u64 *)(r1 + 0)
    r2 = le16 r2
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
