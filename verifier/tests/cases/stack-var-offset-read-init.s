# verdict: accept
# worst-case: 10
# mem-len: 1
# Reads any of 16 initialised bytes.
    r0 = 0
    *(u64 *)(r10 - 16) = r0
    *(u64 *)(r10 - 8) = r0
    r2 = *(u8 *)(r1 + 0)
    r2 &= 15
    r3 = r10
    r3 += -16
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit
