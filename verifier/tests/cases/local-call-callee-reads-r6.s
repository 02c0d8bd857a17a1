# verdict: reject UninitRegister at 3
# The callee cannot read the caller's r6.
    r6 = 1
    call f
    exit
f:
    r0 = r6
    exit
