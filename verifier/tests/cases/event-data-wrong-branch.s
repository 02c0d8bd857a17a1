# verdict: reject OutOfBounds at 6
# type: event
# Reads on the side where data + 4 > data_end.
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r4 = r2
    r4 += 4
    r0 = 0
    if r4 <= r3 goto out
    r0 = *(u32 *)(r2 + 0)
    r0 &= 1
out:
    exit
