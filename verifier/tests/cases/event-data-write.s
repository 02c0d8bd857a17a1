# verdict: reject Permission at 6
# type: event
# The data area is read-only.
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r4 = r2
    r4 += 4
    r0 = 0
    if r4 > r3 goto out
    *(u32 *)(r2 + 0) = 0
out:
    exit
