# verdict: accept
# type: event
# Reads backwards from the end of 64 proven bytes at a variable offset: `end - i` for i in
# [1, 64] stays inside them.
    r3 = *(u32 *)(r1 + 0)
    r3 &= 0xff
    r2 = *(u64 *)(r1 + 16)
    r2 += r3
    r0 = 0
    r3 = r2
    r3 += 64
    r4 = *(u64 *)(r1 + 24)
    if r3 > r4 goto out
    r5 = 1
head:
    r6 = r3
    r6 -= r5
    r6 = *(u8 *)(r6 + 0)
    r5 += 1
    if r5 <= 64 goto head
out:
    r0 = 0
    exit
