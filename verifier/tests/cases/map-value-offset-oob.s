# verdict: reject OutOfBounds at 2
    r1 = map_value(0, 12) ll
    r0 = *(u64 *)(r1 + 0)
    exit
