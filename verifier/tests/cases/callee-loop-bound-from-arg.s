# verdict: accept
# worst-case: 30
# The callee's loop is bounded by its argument at this call site.
    r1 = 8
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
