# verdict: reject PointerArithmetic at 4
# mem-len: 16
# 0 - 1 in 32 bits is 0xffffffff: the index may be huge.
    r2 = *(u32 *)(r1 + 0)
    if r2 > 8 goto out
    w2 -= 1
    r3 = r1
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit
out:
    r0 = 0
    exit
