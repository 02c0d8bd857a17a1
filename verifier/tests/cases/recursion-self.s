# verdict: reject Recursion at 3
    call f
    r0 = 0
    exit
f:
    call f
    exit
