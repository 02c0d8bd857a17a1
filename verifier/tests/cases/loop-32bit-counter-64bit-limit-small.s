# verdict: accept
# worst-case: 196609
    r0 = 0
    w1 = 0
    r2 = 0xffff ll
loop:
    r0 += 1
    w1 += 1
    if r1 < r2 goto loop
    exit
