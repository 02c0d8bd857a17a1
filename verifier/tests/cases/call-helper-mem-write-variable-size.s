# verdict: reject UninitStack at 5
# mem-len: 1
# fill may write only the first byte: the last 8 are not surely written.
    r2 = *(u8 *)(r1 + 0)
    r2 &= 15
    r1 = r10
    r1 += -16
    call 100
    r0 = *(u64 *)(r10 - 8)
    exit
