# verdict: reject OutOfBounds at 3
# mem-len: 16
    r2 = r1
    r2 += 16
    r0 = 0
loop:
    r3 = *(u8 *)(r1 + 0)
    r0 += r3
    r1 += 1
    if r1 <= r2 goto loop
    exit
