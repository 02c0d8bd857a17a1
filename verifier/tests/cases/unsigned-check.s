# verdict: accept
# worst-case: 7
# mem-len: 16
# Unsigned: negative values are huge and fail the check.
    r2 = *(u64 *)(r1 + 0)
    if r2 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
