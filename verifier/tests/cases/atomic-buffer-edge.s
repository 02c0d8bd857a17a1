# verdict: accept
# worst-case: 4
# mem-len: 16
    r2 = 1
    lock *(u64 *)(r1 + 8) += r2
    r0 = 0
    exit
