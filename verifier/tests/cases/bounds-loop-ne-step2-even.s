# verdict: reject UnboundedLoop at 4
# FIXME: terminates, but `!=` exits are only proven with steps of exactly 1.
    r0 = 0
    r3 = 0
loop:
    r0 += r3
    r3 += 2
    if r3 != 16 goto loop
    exit
