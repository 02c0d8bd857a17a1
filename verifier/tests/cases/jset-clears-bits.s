# verdict: accept
# worst-case: 7
# mem-len: 16
# No bit of 0xf0 set: r2 is in [0, 15].
    r2 = *(u8 *)(r1 + 0)
    if r2 & 240 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
