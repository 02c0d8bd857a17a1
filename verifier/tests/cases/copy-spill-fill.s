# verdict: accept
# mem-len: 16
# A check on a register bounds its spilled copy.
    r2 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    if r2 > 8 goto out
    r4 = *(u64 *)(r10 - 8)
    r1 += r4
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
