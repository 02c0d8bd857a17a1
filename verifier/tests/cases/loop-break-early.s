# verdict: accept
# worst-case: 451
# mem-len: 64
# strlen-like: exits at a zero byte or after 64.
    r0 = 0
    r3 = 0
loop:
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    if r5 == 0 goto out
    r0 += r5
    r3 += 1
    if r3 < 64 goto loop
out:
    exit
