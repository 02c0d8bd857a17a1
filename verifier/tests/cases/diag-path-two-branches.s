# verdict: reject OutOfBounds at 6
# mem-len: 16
# path: 2 not taken, 3 not taken
# fact: r1: pointer to buffer, offset in [1, 9]
# fact: offset 9 + 0 + 8 = 17 > buffer size 16
# The diagnostic lists the branches that lead to the access, and the facts.
    r2 = *(u8 *)(r1 + 0)
    r3 = *(u8 *)(r1 + 1)
    if r2 > 8 goto out
    if r3 == 0 goto out
    r1 += r2
    r1 += 1
    r0 = *(u64 *)(r1 + 0)
    exit
out:
    r0 = 0
    exit
