# verdict: accept
# worst-case: 5
    r2 = 1
    *(u64 *)(r10 - 8) = r2
    lock *(u64 *)(r10 - 8) += r2
    r0 = *(u64 *)(r10 - 8)
    exit
