# verdict: reject OutOfBounds at 6
    r1 = map_value(0, 0) ll
    r0 = 0
    r2 = 0
loop:
    r3 = r1
    r3 += r2
    r4 = *(u8 *)(r3 + 0)
    r0 += r4
    r2 += 1
    if r2 < 17 goto loop
    exit
