# verdict: reject PointerArithmetic at 2
# mem-len: 16
# A signed upper bound leaves negative values.
    r2 = *(u64 *)(r1 + 0)
    if r2 s> 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
