# verdict: reject UnknownHelper at 0
    call 99
    r0 = 0
    exit
