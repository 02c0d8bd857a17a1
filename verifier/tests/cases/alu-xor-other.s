# verdict: accept
# mem-len: 8
# r3 is a copy of r2: x ^ copy(x) is 0.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    r2 ^= r3
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
