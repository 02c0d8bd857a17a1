# verdict: reject OutOfBounds at 19
# mem-len: 1
# r0 and r7 point to two different map values: `r0 != r7` holds, and comparing their
# offsets (0 and 0) must not prune the taken branch, whose read is out of bounds.
    r6 = r1
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r7 = r0
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    if r0 != r7 goto bad
out:
    r0 = 0
    exit
bad:
    r0 = *(u8 *)(r6 + 100)
    r0 = 0
    exit
