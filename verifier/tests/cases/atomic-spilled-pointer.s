# verdict: reject PointerLeak at 2
# mem-len: 1
# Adding to a spilled pointer would make it a number with address bits.
    *(u64 *)(r10 - 8) = r1
    r2 = 1
    lock *(u64 *)(r10 - 8) += r2
    r0 = 0
    exit
