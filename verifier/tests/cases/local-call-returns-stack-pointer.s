# verdict: reject PointerLeak at 5
# A pointer into a dead frame.
    call f
    r0 = 0
    exit
f:
    r0 = r10
    r0 += -8
    exit
