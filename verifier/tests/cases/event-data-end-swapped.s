# verdict: accept
# worst-case: 9
# type: event
# data_end < data + 2 is the same check written the other way.
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r4 = r2
    r4 += 2
    r0 = 0
    if r3 < r4 goto out
    r0 = *(u16 *)(r2 + 0)
    r0 &= 1
out:
    exit
