# verdict: accept
# worst-case: 4
# The last slot of the frame.
    r0 = 7
    *(u64 *)(r10 - 512) = r0
    r0 = *(u64 *)(r10 - 512)
    exit
