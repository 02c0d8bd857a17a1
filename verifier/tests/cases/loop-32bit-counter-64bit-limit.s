# verdict: reject UnboundedLoop at 6
# A 32-bit counter wraps to 0 before reaching 2^32: an infinite loop.
    r0 = 0
    w1 = 0
    r2 = 0x100000000 ll
loop:
    r0 += 1
    w1 += 1
    if r1 < r2 goto loop
    exit
