# verdict: reject OutOfBounds at 12
# type: event
# A 2-byte read at index 63 takes one byte past the 64 proven readable.
    r3 = *(u32 *)(r1 + 0)
    r3 &= 0xff
    r2 = *(u64 *)(r1 + 16)
    r2 += r3
    r0 = 0
    r3 = r2
    r3 += 64
    r4 = *(u64 *)(r1 + 24)
    if r3 > r4 goto out
    r5 = 0
head:
    r6 = r2
    r6 += r5
    r6 = *(u16 *)(r6 + 0)
    r5 += 1
    if r5 < 64 goto head
out:
    r0 = 0
    exit
