# verdict: reject UninitStack at 7
# mem-len: 1
# Only 8 of the 16 bytes are written.
    r0 = 0
    *(u64 *)(r10 - 16) = r0
    r2 = *(u8 *)(r1 + 0)
    r2 &= 15
    r3 = r10
    r3 += -16
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit
