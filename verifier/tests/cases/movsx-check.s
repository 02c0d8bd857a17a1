# verdict: accept
# worst-case: 8
# mem-len: 128
    r2 = *(u8 *)(r1 + 0)
    r2 = (s8)r2
    if r2 s< 0 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
