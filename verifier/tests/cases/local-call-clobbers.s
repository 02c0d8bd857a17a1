# verdict: reject UninitRegister at 2
# r1 is unreadable after a local call.
    r1 = 1
    call f
    r0 = r1
    exit
f:
    r0 = 0
    exit
