# verdict: accept
# worst-case: 105
# Counts down by 3 while non-negative.
    r0 = 0
    r1 = 100
loop:
    r0 += 1
    r1 -= 3
    if r1 s>= 0 goto loop
    exit
