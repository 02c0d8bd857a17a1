# verdict: reject CallxNotConstant at 2
    r1 = -1
    r2 = 99
    callx r2
    r0 = 2
    exit
