# verdict: accept
# worst-case: 3
# type: event
    r0 = *(u32 *)(r1 + 0)
    r0 &= 1
    exit
