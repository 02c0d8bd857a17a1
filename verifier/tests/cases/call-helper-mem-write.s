# verdict: accept
# worst-case: 6
# fill initialises the bytes it is given.
    r1 = r10
    r1 += -16
    r2 = 16
    call 100
    r0 = *(u64 *)(r10 - 8)
    exit
