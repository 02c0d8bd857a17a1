# verdict: reject JumpOutOfFunction at 1
    call f
    goto inside
f:
    r0 = 1
inside:
    exit
