# verdict: reject UninitRegister at 2
# r1 to r5 are unreadable after a helper call.
    r1 = 1
    call 7
    r0 = r1
    exit
