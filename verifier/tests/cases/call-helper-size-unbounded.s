# verdict: reject HelperArgument at 4
# mem-len: 8
# The size must be bounded.
    r2 = *(u64 *)(r1 + 0)
    r1 = r10
    r1 += -16
    r2 += 0
    call 100
    r0 = 0
    exit
