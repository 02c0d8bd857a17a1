# verdict: reject UninitStack at 3
# mem-len: 1
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto skip
    *(u64 *)(r10 - 8) = 3
skip:
    r0 = *(u64 *)(r10 - 8)
    exit
