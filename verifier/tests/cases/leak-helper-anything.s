# verdict: accept
# worst-case: 3
    r1 = 5
    call 5
    exit
