# verdict: reject OutOfBounds at 4
# mem-len: 16
# Swapping the bytes of [0, 8] gives up to 0x0800.
    r2 = *(u16 *)(r1 + 0)
    if r2 > 8 goto out
    r2 = be16 r2
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
