# verdict: reject NullPointer at 3
# mem-len: 8
# Arithmetic on a pointer that may be null would let `p + 8 != 0` pass for a null p.
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto skip
    r1 = 0
skip:
    r1 += 4
    if r1 == 0 goto out
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit
