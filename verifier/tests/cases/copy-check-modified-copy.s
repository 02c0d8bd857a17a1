# verdict: reject PointerArithmetic at 4
# mem-len: 16
# r3 is no longer a copy of r2 once masked.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    r3 &= 255
    if r3 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
