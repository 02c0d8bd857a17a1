# verdict: reject PointerLeak at 5
# mem-len: 8
# The 4-byte key would be the low half of a spilled pointer.
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(0) ll
    r2 = r10
    r2 += -8
    call 1
    r0 = 0
    exit
