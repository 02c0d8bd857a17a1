# error: bswap_different_registers.s:2:18: expected the destination register again (r1), found `r2`
    r1 = bswap16 r2
    exit
