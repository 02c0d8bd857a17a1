# verdict: reject OutOfBounds at 4
# mem-len: 64
# The same loop to 65 over 64 bytes.
    r0 = 0
    r3 = 0
head:
    r5 = r1
    r5 += r3
    r5 = *(u8 *)(r5 + 0)
    r0 += r5
    r3 += 1
    r5 = r3
    r5 <<= 32
    r5 >>= 32
    if r5 != 65 goto head
    exit
