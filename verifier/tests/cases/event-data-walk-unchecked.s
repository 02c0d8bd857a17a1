# verdict: reject OutOfBounds at 6
# type: event
# Reads one byte beyond what the check covers.
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    r0 = 0
loop:
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 1)
    r0 |= r5
    r2 += 1
    goto loop
out:
    r0 &= 1
    exit
