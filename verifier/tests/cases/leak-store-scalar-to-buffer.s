# verdict: accept
# worst-case: 4
# mem-len: 8
    r2 = 7
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit
