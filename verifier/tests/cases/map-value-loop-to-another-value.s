# verdict: reject OutOfBounds at 17
# Walks from the value of key 0 up to the end of the value of key 1, another object: the
# comparison bounds neither the offset (the read goes past key 0's value) nor the loop.
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r7 = r0
    r7 += 16
loop:
    r1 = *(u8 *)(r6 + 0)
    r6 += 1
    if r6 < r7 goto loop
out:
    r0 = 0
    exit
