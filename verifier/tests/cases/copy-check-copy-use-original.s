# verdict: accept
# mem-len: 16
# Checking a copy bounds the original (the kernel's scalar ids).
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    if r3 > 8 goto out
    r1 += r2
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
