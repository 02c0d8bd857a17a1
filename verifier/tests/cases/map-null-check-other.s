# verdict: reject NullPointer at 13
# r6 is from the first lookup; the check is on the second.
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    r6 = r0
    r1 = map_fd(0) ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit
