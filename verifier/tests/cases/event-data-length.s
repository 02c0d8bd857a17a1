# verdict: accept
# worst-case: 7
# type: event
# data_end - data is a number.
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r3 -= r2
    r0 = 0
    if r3 > 256 goto out
    r0 = 1
out:
    exit
