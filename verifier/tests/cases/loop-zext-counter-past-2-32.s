# verdict: reject OutOfBounds at 4
# mem-len: 64
# The counter starts at 2^32, so the zero-extended low half the exit tests (0, 1, ...) is not
# the counter: no bound is derived from the 64-bit start (conservatively: this loop runs 64
# times), and the pointer beside the counter is unbounded.
    r0 = 0
    r3 = 0x100000000 ll
    r6 = r1
head:
    r5 = *(u8 *)(r6 + 0)
    r0 += r5
    r6 += 1
    r3 += 1
    r5 = r3
    r5 <<= 32
    r5 >>= 32
    if r5 < 64 goto head
    exit
