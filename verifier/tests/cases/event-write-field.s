# verdict: accept
# worst-case: 4
# type: event
    r2 = 5
    *(u64 *)(r1 + 8) = r2
    r0 = 0
    exit
