# verdict: reject PointerArithmetic at 2
# mem-len: 16
# A 32-bit test says nothing of the high 32 bits.
    r2 = *(u64 *)(r1 + 0)
    if w2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
