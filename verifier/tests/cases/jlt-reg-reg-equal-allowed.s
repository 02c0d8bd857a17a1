# verdict: reject OutOfBounds at 4
# mem-len: 16
    r2 = *(u64 *)(r1 + 0)
    r3 = 16
    if r2 > r3 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
