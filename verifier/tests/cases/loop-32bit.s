# verdict: accept
# worst-case: 303
    r0 = 0
    w1 = 0
loop:
    r0 += 1
    w1 += 1
    if w1 < 100 goto loop
    exit
