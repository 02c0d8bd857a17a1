# verdict: accept
# worst-case: 7
# mem-len: 16
# r2 in [0, 8]: reads [0, 16).
    r2 = *(u8 *)(r1 + 0)
    if r2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
