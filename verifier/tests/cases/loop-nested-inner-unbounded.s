# verdict: reject UnboundedLoop at 5
# The inner counter never moves.
    r0 = 0
    r1 = 0
outer:
    r2 = 0
inner:
    r0 += 1
    r2 += 0
    if r2 < 10 goto inner
    r1 += 1
    if r1 < 5 goto outer
    exit
