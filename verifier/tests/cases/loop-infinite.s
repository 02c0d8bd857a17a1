# verdict: reject UnboundedLoop at 1
    r0 = 0
loop:
    goto loop
