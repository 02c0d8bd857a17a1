# verdict: accept
# worst-case: 8
# mem-len: 1
# fill writes at least 8 bytes.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 7
    r2 += 8
    r1 = r10
    r1 += -16
    call 100
    r0 = *(u64 *)(r10 - 16)
    exit
