# verdict: reject OutOfBounds at 6
# mem-len: 16
    r2 = *(u64 *)(r1 + 0)
    r3 = 9
    if r2 s> r3 goto out
    r3 = 0
    if r2 s< r3 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
