# verdict: reject OutOfBounds at 0
# mem-len: 16
# One byte before the buffer.
    r0 = *(u8 *)(r1 - 1)
    exit
