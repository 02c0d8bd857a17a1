# type: event
# verdict: reject Permission at 1
# An atomic add to the context's data pointer would move it anywhere.
    r2 = 64
    lock *(u64 *)(r1 + 16) += r2
    r0 = 0
    exit
