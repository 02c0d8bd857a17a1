# verdict: reject PointerLeak at 1
# mem-len: 4
# Half a pointer would be a number with address bits.
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 8)
    exit
