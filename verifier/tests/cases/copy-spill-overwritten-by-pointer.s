# verdict: reject PointerArithmetic at 8
# mem-len: 16
# A store through another pointer to the same slot breaks the copy.
    r2 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    r5 = r10
    r5 += -8
    if r2 > 8 goto out
    r3 = *(u64 *)(r1 + 8)
    *(u64 *)(r5 + 0) = r3
    r4 = *(u64 *)(r10 - 8)
    r1 += r4
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
