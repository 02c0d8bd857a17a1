# error: bad_number.s:2:10: `12x4` is not a decimal number
    r0 = 12x4
    exit
