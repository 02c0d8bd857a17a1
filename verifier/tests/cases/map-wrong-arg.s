# verdict: reject HelperArgument at 4
# r1 must be a map reference.
    r1 = 0
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    r0 = 0
    exit
