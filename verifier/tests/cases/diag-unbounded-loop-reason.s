# verdict: reject UnboundedLoop at 4
# fact: may start past its `!=` limit
# Starts at its limit.
    r0 = 0
    r1 = 0
loop:
    r0 += 1
    r1 -= 1
    if r1 != 0 goto loop
    exit
