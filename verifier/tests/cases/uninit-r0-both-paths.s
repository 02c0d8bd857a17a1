# verdict: accept
# worst-case: 5
# mem-len: 1
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    if r2 == 0 goto out
    r0 = 1
out:
    exit
