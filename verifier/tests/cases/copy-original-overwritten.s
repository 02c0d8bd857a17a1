# verdict: reject PointerArithmetic at 4
# mem-len: 16
# r2 was reloaded: the check on r3 says nothing of it.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    r2 = *(u64 *)(r1 + 8)
    if r3 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
