# verdict: accept
# worst-case: 8000003
# mem-len: 16
# A million iterations reading the buffer.
    r0 = 0
    r2 = 0
loop:
    r3 = r2
    r3 &= 15
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r2 += 1
    if r2 != 1000000 goto loop
    exit
