# verdict: accept
# worst-case: 360
# Two back edges, each after the exit test.
    r0 = 0
    r1 = 0
loop:
    r1 += 1
    if r1 > 50 goto out
    r2 = r1
    r2 &= 1
    if r2 == 0 goto loop
    r0 += 1
    goto loop
out:
    exit
