# verdict: accept
# worst-case: 30
    r1 = 5
    call sum
    exit
sum:
    r0 = 0
    r2 = 0
loop:
    r0 += r2
    r2 += 1
    if r2 < 8 goto loop
    exit
