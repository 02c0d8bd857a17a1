# verdict: reject Permission at 3
    r1 = map_value(1, 0) ll
    r2 = 1
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit
