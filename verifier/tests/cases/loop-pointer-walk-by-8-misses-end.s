# verdict: reject OutOfBounds at 3
# mem-len: 32
# Steps of 8 from offset 0 jump over an end pointer at offset 28: the walk runs off the buffer.
    r2 = r1
    r2 += 28
    r0 = 0
loop:
    r3 = *(u64 *)(r1 + 0)
    r0 += r3
    r1 += 8
    if r1 != r2 goto loop
    exit
