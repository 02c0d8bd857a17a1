# verdict: accept
# worst-case: 16
    r0 = 0
loop:
    r0 += 1
    if r0 < 7 goto loop
    exit
