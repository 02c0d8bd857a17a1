# verdict: reject OutOfBounds at 3
# mem-len: 16
    r2 = *(u64 *)(r1 + 0)
    if r2 != 16 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
