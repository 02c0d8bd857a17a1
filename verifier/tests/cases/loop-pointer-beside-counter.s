# verdict: accept
# mem-len: 128
# A pointer stepped by 8 beside the counter the exit tests (16 rounds): the pointer's range
# at the loop head follows from the counter's bound.
    r0 = r1
    r5 = 1
head:
    r6 = *(u64 *)(r0 + 0)
    r0 += 8
    r5 += 1
    if r5 < 17 goto head
    r0 = 0
    exit
