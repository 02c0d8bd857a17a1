# verdict: reject UninitStack at 5
# The last 8 bytes passed to trace are uninitialised.
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    call 6
    exit
