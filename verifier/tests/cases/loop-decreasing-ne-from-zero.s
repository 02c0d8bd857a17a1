# verdict: reject UnboundedLoop at 4
# Starts at its limit: wraps around 2^64 times.
    r0 = 0
    r1 = 0
loop:
    r0 += 1
    r1 -= 1
    if r1 != 0 goto loop
    exit
