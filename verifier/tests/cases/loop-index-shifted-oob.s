# verdict: reject OutOfBounds at 6
# mem-len: 32
    r0 = 0
    r3 = 0
loop:
    r4 = r3
    r4 <<= 3
    r5 = r1
    r5 += r4
    r6 = *(u64 *)(r5 + 0)
    r0 += r6
    r3 += 1
    if r3 < 5 goto loop
    exit
