# verdict: reject OutOfBounds at 0
# type: event
    r0 = *(u64 *)(r1 + 32)
    r0 = 0
    exit
