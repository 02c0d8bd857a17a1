# verdict: reject UninitRegister at 0
    r0 = r5
    exit
