# verdict: reject PointerArithmetic at 0
# mem-len: 8
    r1 *= 2
    r0 = 0
    exit
