# verdict: reject MixedValue at 3
# mem-len: 8
# r1 is a pointer on one path and a number other than 0 on the other.
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto skip
    r1 = 8
skip:
    r0 = *(u8 *)(r1 + 0)
    exit
