# verdict: accept
# worst-case: 18446744073709551615
# mem-len: 8
# Terminates, but with a worst case of 2^64 iterations.
    r1 = *(u64 *)(r1 + 0)
    call sum
    exit
sum:
    r0 = 0
    r2 = 0
loop:
    r0 += r2
    r2 += 1
    if r2 < r1 goto loop
    exit
