# verdict: accept
# worst-case: 168
# 5 x 10 iterations.
    r0 = 0
    r1 = 0
outer:
    r2 = 0
inner:
    r0 += 1
    r2 += 1
    if r2 < 10 goto inner
    r1 += 1
    if r1 < 5 goto outer
    exit
