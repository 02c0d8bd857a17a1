# type: event
# verdict: accept
# A helper may write the context's writable fields (`verdict`, 8 bytes at 8), and only them.
    r6 = r1
    r1 = r6
    r1 += 8
    r2 = 8
    call 100
    r0 = *(u64 *)(r6 + 8)
    r0 &= 1
    exit
