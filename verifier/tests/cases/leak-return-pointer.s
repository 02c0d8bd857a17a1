# verdict: reject PointerLeak at 1
    r0 = r10
    exit
