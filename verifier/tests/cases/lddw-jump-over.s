# verdict: accept
# worst-case: 3
    goto +2
    r1 = 0x123456789 ll
    r0 = 0
    exit
