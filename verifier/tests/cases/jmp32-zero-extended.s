# verdict: accept
# worst-case: 7
# mem-len: 16
# A 32-bit load zero-extends, so the 32-bit test bounds all 64 bits.
    r2 = *(u32 *)(r1 + 0)
    if w2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
