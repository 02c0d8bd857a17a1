# verdict: accept
# worst-case: 12884901892
# type: event
# At most 2^32 - 1 iterations: terminates.
    r2 = *(u32 *)(r1 + 4)
    r0 = 0
loop:
    if r2 == 0 goto out
    r2 -= 1
    goto loop
out:
    r0 = 1
    exit
