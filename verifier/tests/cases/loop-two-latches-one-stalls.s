# verdict: reject UnboundedLoop at 8
# One path around the loop does not move the counter.
    r0 = 0
    r1 = 0
loop:
    if r1 > 50 goto out
    r2 = r0
    r2 &= 1
    if r2 == 0 goto skip
    r1 += 1
skip:
    r0 += 1
    goto loop
out:
    exit
