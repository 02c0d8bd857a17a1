# verdict: reject PointerLeak at 0
# mem-len: 8
    w0 = w1
    exit
