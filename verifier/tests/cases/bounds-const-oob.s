# verdict: reject OutOfBounds at 0
# mem-len: 16
# One byte past the end of a 16-byte buffer.
    r0 = *(u64 *)(r1 + 9)
    exit
