# verdict: reject UnboundedLoop at 4
# mem-len: 8
# Starts from an unknown value: 0 wraps around.
    r0 = 0
    r2 = *(u64 *)(r1 + 0)
loop:
    r0 += 1
    r2 -= 1
    if r2 != 0 goto loop
    exit
