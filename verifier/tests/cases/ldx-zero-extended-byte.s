# verdict: accept
# worst-case: 4
# mem-len: 256
# An unsigned byte indexes a 256-byte buffer.
    r2 = *(u8 *)(r1 + 0)
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
