# verdict: reject PointerLeak at 0
# mem-len: 4
    *(u64 *)(r10 - 12) = r1
    r0 = 0
    exit
