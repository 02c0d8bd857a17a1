# verdict: reject UninitRegister at 4
# The counter in r1 does not survive the call.
    r1 = 0
    r7 = 0
loop:
    call id
    r7 += r0
    r1 += 1
    if r1 < 10 goto loop
    r0 = r7
    exit
id:
    r0 = r1
    exit
