# verdict: accept
# worst-case: 5
# type: event
# Reads pid.
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    if r2 != 1 goto out
    r0 = 1
out:
    exit
