# verdict: reject PointerLeak at 7
# Map values are visible to the host.
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r10
    r0 = 0
out:
    exit
