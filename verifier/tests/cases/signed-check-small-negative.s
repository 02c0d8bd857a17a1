# verdict: reject OutOfBounds at 4
# mem-len: 16
# Index in [-4, 8]: reads before the buffer.
    r2 = *(u64 *)(r1 + 0)
    if r2 s> 8 goto out
    if r2 s< -4 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
