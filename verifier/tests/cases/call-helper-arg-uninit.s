# verdict: reject UninitRegister at 1
# unwind takes r1, clobbered by the first call.
    call 7
    call 5
    r0 = 0
    exit
