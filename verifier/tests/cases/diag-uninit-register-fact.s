# verdict: reject UninitRegister at 1
# fact: r3: uninitialised
    call 7
    r0 = r3
    exit
