# verdict: accept
# mem-len: 16
# r6 and r8 are copies that a helper call cannot change.
    r7 = r1
    r2 = *(u64 *)(r1 + 0)
    r6 = r2
    r8 = r2
    call 7
    if r6 > 8 goto out
    r7 += r8
    r0 = *(u64 *)(r7 + 0)
    exit
out:
    r0 = 0
    exit
