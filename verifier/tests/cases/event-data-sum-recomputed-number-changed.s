# verdict: reject OutOfBounds at 12
# type: event
# The number moves on between the check and the recomputed sum: a different pointer.
    r5 = *(u32 *)(r1 + 0)
    r5 &= 63
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r4 = r2
    r4 += r5
    r0 = r4
    r0 += 2
    if r0 > r3 goto out
    r5 += 1
    r4 = r2
    r4 += r5
    r0 = *(u16 *)(r4 + 0)
out:
    r0 = 0
    exit
