# A 4-byte read at offset 14 of a 16-byte input buffer runs 2 bytes past its end.
# mem: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
# expect: fault OutOfBounds at instruction 1
# message: instruction 1: 4-byte read at ADDR is outside every region: it runs 2 bytes past the end of input buffer [ADDR, +16)
mov %r0, 0
ldxw %r0, [%r1+14]
exit
