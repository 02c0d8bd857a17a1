# verdict: accept
# worst-case: 2
# mem-len: 16
# The last 8 bytes of a 16-byte buffer.
    r0 = *(u64 *)(r1 + 8)
    exit
