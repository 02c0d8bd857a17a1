# verdict: accept
# worst-case: 8
# mem-len: 16
# mov32 clears the high bits.
    r2 = *(u64 *)(r1 + 0)
    w2 = w2
    if w2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
