# verdict: reject OutOfBounds at 2
# type: event
    r2 = *(u64 *)(r1 + 16)
    r0 = 0
    r3 = *(u8 *)(r2 + 0)
    exit
