# verdict: reject OutOfBounds at 5
# mem-len: 16
# In 64 bits, 0 - 1 is -1: one byte before the buffer.
    r2 = *(u32 *)(r1 + 0)
    if r2 > 8 goto out
    r2 -= 1
    r3 = r1
    r3 += r2
    r0 = *(u8 *)(r3 + 0)
    exit
out:
    r0 = 0
    exit
