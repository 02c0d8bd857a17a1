# verdict: reject OutOfBounds at 1
# Below the 512-byte frame.
    r0 = 7
    *(u64 *)(r10 - 520) = r0
    r0 = 0
    exit
