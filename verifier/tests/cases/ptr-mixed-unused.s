# verdict: accept
# worst-case: 5
# mem-len: 8
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto skip
    r1 = 0
skip:
    r0 = 0
    exit
