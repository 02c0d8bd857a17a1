# verdict: accept
# worst-case: 20
# mem-len: 32
# Steps of 8 from offset 0 reach the end pointer (offset 32) exactly.
    r2 = r1
    r2 += 32
    r0 = 0
loop:
    r3 = *(u64 *)(r1 + 0)
    r0 += r3
    r1 += 8
    if r1 != r2 goto loop
    exit
