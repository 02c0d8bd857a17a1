# verdict: reject FramePointerWrite at 1
    *(u64 *)(r10 - 8) = r10
    r10 = *(u64 *)(r10 - 8)
    r0 = 0
    exit
