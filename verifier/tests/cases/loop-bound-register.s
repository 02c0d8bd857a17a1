# verdict: accept
# worst-case: 769
# mem-len: 1
# The limit is a register bounded by [0, 255].
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    r3 = 0
loop:
    r0 += 1
    r3 += 1
    if r3 < r2 goto loop
    exit
