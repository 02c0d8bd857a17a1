# verdict: accept
# worst-case: 3000003
# A million iterations, verified without unrolling.
    r0 = 0
    r1 = 0
loop:
    r0 += 3
    r1 += 1
    if r1 < 1000000 goto loop
    exit
