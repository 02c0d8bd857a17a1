# verdict: reject UninitStack at 1
# An atomic add reads the old value.
    r2 = 1
    lock *(u64 *)(r10 - 8) += r2
    r0 = 0
    exit
