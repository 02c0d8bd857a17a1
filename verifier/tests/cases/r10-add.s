# verdict: reject FramePointerWrite at 0
    r10 += -8
    r0 = 0
    exit
