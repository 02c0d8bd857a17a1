# verdict: accept
# worst-case: 29
# type: event
# Counts a masked uid down to 0.
    r2 = *(u32 *)(r1 + 4)
    r2 &= 7
    r0 = 0
loop:
    if r2 == 0 goto out
    r2 -= 1
    goto loop
out:
    r0 = 1
    exit
