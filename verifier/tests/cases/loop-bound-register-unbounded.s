# verdict: accept
# worst-case: 18446744073709551615
# mem-len: 8
# Terminates (at most 2^64 - 1 iterations): accepted, with a huge worst case.
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    r3 = 0
loop:
    r0 += 1
    r3 += 1
    if r3 < r2 goto loop
    exit
