# verdict: reject OutOfBounds at 3
# mem-len: 16
    r2 = *(u8 *)(r1 + 0)
    if r2 & 224 goto out
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
