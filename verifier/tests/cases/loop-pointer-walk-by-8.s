# verdict: reject OutOfBounds at 3
# mem-len: 32
# FIXME: terminates and stays in bounds, but `!=` exits are only proven with steps of 1.
    r2 = r1
    r2 += 32
    r0 = 0
loop:
    r3 = *(u64 *)(r1 + 0)
    r0 += r3
    r1 += 8
    if r1 != r2 goto loop
    exit
