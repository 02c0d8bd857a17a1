# verdict: reject PointerArithmetic at 2
# mem-len: 16
# Uses the index on the side where it is large.
    r2 = *(u64 *)(r1 + 0)
    if r2 < 9 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
