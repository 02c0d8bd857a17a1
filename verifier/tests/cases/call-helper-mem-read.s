# verdict: accept
# worst-case: 8
# trace reads 16 initialised stack bytes.
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    call 6
    exit
