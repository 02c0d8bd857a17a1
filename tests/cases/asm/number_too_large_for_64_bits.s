# error: number_too_large_for_64_bits.s:2:10: `99999999999999999999` is too large for 64 bits
    r0 = 99999999999999999999
    exit
