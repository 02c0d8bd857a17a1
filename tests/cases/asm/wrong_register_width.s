# error: wrong_register_width.s:2:12: expected `u8` or `u16` or `u32`, found `u64`
    w1 = *(u64 *)(r2 + 0)
    exit
