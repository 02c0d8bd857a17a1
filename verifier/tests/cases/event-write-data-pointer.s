# verdict: reject Permission at 1
# type: event
    r2 = 0
    *(u64 *)(r1 + 16) = r2
    r0 = 0
    exit
