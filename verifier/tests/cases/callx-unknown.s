# verdict: reject CallxNotConstant at 2
# mem-len: 8
# A register loaded from memory is not a known helper number.
    r2 = *(u64 *)(r1 + 0)
    r1 = -1
    callx r2
    r0 = 2
    exit
