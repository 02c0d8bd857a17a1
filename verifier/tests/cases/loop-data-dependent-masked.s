# verdict: accept
# worst-case: 773
# mem-len: 8
# At most 256 iterations.
    r0 = 0
    r2 = *(u64 *)(r1 + 0)
    r2 &= 255
    r2 += 1
loop:
    r0 += 1
    r2 -= 1
    if r2 != 0 goto loop
    exit
