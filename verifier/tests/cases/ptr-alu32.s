# verdict: reject PointerArithmetic at 0
# mem-len: 8
    w1 += 1
    r0 = 0
    exit
