# verdict: reject OutOfBounds at 1
# mem-len: 16
    r2 = 1
    w2 = atomic_fetch_add((u32 *)(r1 + 13), w2)
    r0 = r2
    exit
