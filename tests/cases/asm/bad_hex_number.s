# error: bad_hex_number.s:2:14: `0x1g` is not a hexadecimal number
    mov %r0, 0x1g
    exit
