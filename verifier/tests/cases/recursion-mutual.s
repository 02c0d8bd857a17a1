# verdict: reject Recursion at 5
    call f
    r0 = 0
    exit
f:
    call g
    exit
g:
    call f
    exit
