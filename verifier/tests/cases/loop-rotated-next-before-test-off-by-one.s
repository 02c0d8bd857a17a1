# verdict: reject OutOfBounds at 8
# mem-len: 127
# The same scan over 127 bytes: the 16th slot is one byte short.
    r0 = r1
    r1 = *(u32 *)(r0 + 0)
    r1 &= 31
    if r1 == 0 goto out
    r5 = 1
    r2 = 7
    r3 = 16
head:
    r4 = r5
    r5 = *(u64 *)(r0 + 0)
    if r5 == r2 goto out
    if r5 == 0 goto out
    if r4 >= r1 goto out
    r0 += 8
    r5 = r4
    r5 += 1
    if r3 > r4 goto head
out:
    r0 = 0
    exit
