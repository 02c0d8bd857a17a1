# verdict: reject PointerLeak at 4
# mem-len: 8
# trace would read the 8 bytes of a spilled pointer: the host would see the buffer's address.
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call 6
    r0 = 0
    exit
