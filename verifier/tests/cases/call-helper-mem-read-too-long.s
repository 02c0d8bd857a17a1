# verdict: reject OutOfBounds at 5
# 16 bytes from r10 - 8 leave the frame.
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 16
    call 6
    exit
