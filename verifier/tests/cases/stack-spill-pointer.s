# verdict: accept
# worst-case: 4
# mem-len: 4
# A spilled pointer comes back whole.
    *(u64 *)(r10 - 8) = r1
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u8 *)(r2 + 3)
    exit
