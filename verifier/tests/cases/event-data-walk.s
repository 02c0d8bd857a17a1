# verdict: accept
# worst-case: 1804
# type: event
# Walks the data area byte by byte up to data_end (at most 256 bytes).
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r0 = 0
loop:
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r0 |= r5
    r2 += 1
    goto loop
out:
    r0 &= 1
    exit
