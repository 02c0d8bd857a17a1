# verdict: accept
# worst-case: 9
# A callee initialises its caller's stack through a pointer.
    r1 = r10
    r1 += -8
    call f
    r0 = *(u64 *)(r10 - 8)
    exit
f:
    r2 = 9
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit
