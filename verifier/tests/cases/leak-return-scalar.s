# verdict: accept
# worst-case: 3
    r0 = r10
    r0 = 5
    exit
