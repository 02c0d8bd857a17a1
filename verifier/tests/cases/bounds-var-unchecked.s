# verdict: reject OutOfBounds at 2
# mem-len: 16
# r2 in [0, 255], never checked.
    r2 = *(u8 *)(r1 + 0)
    r1 += r2
    r0 = *(u8 *)(r1 + 0)
    exit
