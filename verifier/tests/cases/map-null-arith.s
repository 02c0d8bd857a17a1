# verdict: reject NullPointer at 6
# No arithmetic on a possibly-null pointer.
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    r0 += 8
    r0 = 0
    exit
