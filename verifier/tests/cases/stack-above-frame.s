# verdict: reject OutOfBounds at 1
# r10 points just past the frame.
    r0 = 7
    *(u64 *)(r10 + 0) = r0
    exit
