# verdict: reject OutOfBounds at 8
# mem-len: 16
    r0 = 0
    *(u64 *)(r10 - 8) = r0
    *(u64 *)(r10 - 16) = r0
loop:
    r2 = *(u64 *)(r10 - 8)
    if r2 > 16 goto out
    r3 = *(u64 *)(r10 - 8)
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r6 = *(u64 *)(r10 - 16)
    r6 += r5
    *(u64 *)(r10 - 16) = r6
    r3 = *(u64 *)(r10 - 8)
    r3 += 1
    *(u64 *)(r10 - 8) = r3
    goto loop
out:
    r0 = *(u64 *)(r10 - 16)
    exit
