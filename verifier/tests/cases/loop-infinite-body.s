# verdict: reject UnboundedLoop at 3
    r0 = 0
loop:
    r0 += 1
    r0 &= 7
    goto loop
