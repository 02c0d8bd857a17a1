# verdict: reject Permission at 1
# type: event
# pid is read-only.
    r2 = 5
    *(u32 *)(r1 + 0) = r2
    r0 = 0
    exit
