# verdict: reject PointerArithmetic at 5
# mem-len: 16
# A byte store into the slot breaks the copy.
    r2 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    if r2 > 8 goto out
    *(u8 *)(r10 - 8) = 200
    r4 = *(u64 *)(r10 - 8)
    r1 += r4
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
