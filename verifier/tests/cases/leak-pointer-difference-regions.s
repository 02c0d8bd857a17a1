# verdict: reject PointerArithmetic at 1
# mem-len: 8
# Stack minus buffer would reveal addresses.
    r2 = r10
    r2 -= r1
    r0 = r2
    exit
