# verdict: reject OutOfBounds at 0
# mem-len: 0
# A zero-length buffer has no readable byte.
    r0 = *(u8 *)(r1 + 0)
    exit
