# verdict: reject OutOfBounds at 3
# mem-len: 16
# A signed byte in [-128, 8]: reads before the buffer.
    r2 = *(s8 *)(r1 + 0)
    if r2 s> 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
