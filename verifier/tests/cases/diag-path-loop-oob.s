# verdict: reject OutOfBounds at 4
# mem-len: 16
# fact: r4: pointer to buffer, offset in [0, 16]
# fact: offset 16 + 0 + 1 = 17 > buffer size 16
    r0 = 0
    r3 = 0
loop:
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r3 += 1
    if r3 <= 16 goto loop
    exit
