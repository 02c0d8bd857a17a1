# verdict: accept
# worst-case: 7
# mem-len: 16
# After r2 == 5, r2 is exactly 5.
    r2 = *(u64 *)(r1 + 0)
    if r2 != 5 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
