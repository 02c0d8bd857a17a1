# verdict: accept
# worst-case: 8
# A map value after its null check (value size 16).
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 8)
out:
    exit
