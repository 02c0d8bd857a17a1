# verdict: accept
# worst-case: 10
# The null check on r0 clears its copy r6 too.
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    r6 = r0
    if r0 == 0 goto out
    r0 = *(u64 *)(r6 + 0)
out:
    r0 = 0
    exit
