# verdict: reject PointerLeak at 2
# mem-len: 8
    r2 = 0
    *(u64 *)(r1 + 0) = r2
    lock *(u64 *)(r1 + 0) += r1
    r0 = 0
    exit
