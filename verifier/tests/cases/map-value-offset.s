# verdict: accept
# worst-case: 3
# map_value with an offset: bytes 8 to 16 of 16.
    r1 = map_value(0, 8) ll
    r0 = *(u64 *)(r1 + 0)
    exit
