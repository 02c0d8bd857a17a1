# verdict: accept
# worst-case: 4
# mem-len: 4
# r2 holds the buffer length: the last byte.
    r3 = r1
    r3 += r2
    r0 = *(u8 *)(r3 - 1)
    exit
