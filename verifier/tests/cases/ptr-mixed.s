# verdict: reject NullPointer at 3
# mem-len: 8
# r1 is a pointer on one path and 0 on the other: a pointer that may be null.
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto skip
    r1 = 0
skip:
    r0 = *(u8 *)(r1 + 0)
    exit
