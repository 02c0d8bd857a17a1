# verdict: reject UnboundedLoop at 6
# The limit moves with the counter.
    r2 = 10
    r0 = 0
    r3 = 0
loop:
    r0 += 1
    r3 += 1
    r2 += 1
    if r3 < r2 goto loop
    exit
