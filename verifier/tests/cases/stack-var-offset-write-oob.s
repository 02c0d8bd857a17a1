# verdict: reject OutOfBounds at 5
# mem-len: 1
# Offsets up to r10 + 63: above the frame.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 127
    r3 = r10
    r3 += -64
    r3 += r2
    *(u8 *)(r3 + 0) = 1
    r0 = 0
    exit
