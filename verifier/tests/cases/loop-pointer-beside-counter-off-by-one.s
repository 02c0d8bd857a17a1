# verdict: reject OutOfBounds at 2
# mem-len: 127
# The same loop over 127 bytes: its last read takes the 128th.
    r0 = r1
    r5 = 1
head:
    r6 = *(u64 *)(r0 + 0)
    r0 += 8
    r5 += 1
    if r5 < 17 goto head
    r0 = 0
    exit
