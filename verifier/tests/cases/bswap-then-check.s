# verdict: accept
# worst-case: 8
# mem-len: 16
    r2 = *(u16 *)(r1 + 0)
    r2 = be16 r2
    if r2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
