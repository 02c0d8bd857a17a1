# verdict: accept
# worst-case: 7
# mem-len: 8
    r2 = *(u64 *)(r1 + 0)
    r1 = r10
    r1 += -16
    r2 &= 15
    call 100
    r0 = 0
    exit
