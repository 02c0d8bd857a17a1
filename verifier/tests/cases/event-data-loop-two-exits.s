# verdict: accept
# type: event
# clang's loop over a string at a variable offset with a break (a NUL) and two bounds
# (the field's length and 64), 64 bytes proven readable first.
    r3 = *(u32 *)(r1 + 0)
    r3 &= 0xff
    r2 = *(u64 *)(r1 + 16)
    r2 += r3
    r0 = 0
    r3 = r2
    r3 += 64
    r4 = *(u64 *)(r1 + 24)
    if r3 > r4 goto out
    r3 = *(u32 *)(r1 + 4)
    if r3 == 0 goto out
    r5 = 0
    r0 = 64
    r4 = 0
    goto head
latch:
    r5 += 1
    if r5 >= r3 goto done
    if r0 > r5 goto head
done:
    r0 = 0
    exit
head:
    r6 = r2
    r6 += r5
    r6 = *(u8 *)(r6 + 0)
    if r6 == 0x2f goto slash
    if r6 == 0 goto done
    goto latch
slash:
    r4 += 1
    goto latch
out:
    exit
