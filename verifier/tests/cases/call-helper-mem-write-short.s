# verdict: reject UninitStack at 4
# fill wrote only r10 - 16 to r10 - 8.
    r1 = r10
    r1 += -16
    r2 = 8
    call 100
    r0 = *(u64 *)(r10 - 8)
    exit
