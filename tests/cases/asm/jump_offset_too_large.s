# error: jump_offset_too_large.s:2:10: jump offset +40000 is out of range: expected a 16-bit offset, -32768 to 32767 (`gotol` takes 32 bits)
    goto +40000
    exit
