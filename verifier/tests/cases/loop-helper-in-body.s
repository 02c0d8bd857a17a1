# verdict: accept
# worst-case: 15
    r6 = 0
loop:
    call 7
    r6 += 1
    if r6 < 4 goto loop
    r0 = r6
    exit
