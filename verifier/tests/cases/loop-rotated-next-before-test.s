# verdict: accept
# mem-len: 128
# clang's rotated scan of 16 slots with early exits (`for (i = 0; i < n && i < 16; i++)`):
# the next count is computed into another register before the test of the old one, and a
# pointer walks beside it.
    r0 = r1
    r1 = *(u32 *)(r0 + 0)
    r1 &= 31
    if r1 == 0 goto out
    r5 = 1
    r2 = 7
    r3 = 16
head:
    r4 = r5
    r5 = *(u64 *)(r0 + 0)
    if r5 == r2 goto out
    if r5 == 0 goto out
    if r4 >= r1 goto out
    r0 += 8
    r5 = r4
    r5 += 1
    if r3 > r4 goto head
out:
    r0 = 0
    exit
