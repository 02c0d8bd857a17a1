# verdict: accept
# worst-case: 9
# Each frame has its own 512 bytes.
    r1 = 1
    *(u64 *)(r10 - 512) = r1
    call f
    r0 = *(u64 *)(r10 - 512)
    exit
f:
    r1 = 2
    *(u64 *)(r10 - 512) = r1
    r0 = 0
    exit
