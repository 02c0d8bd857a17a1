# verdict: reject UnboundedLoop at 4
# Unsigned, every value is >= 0: an infinite loop.
    r0 = 0
    r1 = 100
loop:
    r0 += 1
    r1 -= 3
    if r1 >= 0 goto loop
    exit
