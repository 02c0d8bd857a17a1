# verdict: accept
# worst-case: 33
    r0 = 0
    r1 = -5
loop:
    r0 += 1
    r1 += 1
    if r1 s< 5 goto loop
    exit
