# verdict: reject PointerArithmetic at 1
# mem-len: 8
    r2 = r1
    r2 += r1
    r0 = 0
    exit
