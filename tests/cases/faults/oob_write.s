# An 8-byte write 4 bytes past the end of a 4-byte input buffer.
# mem: 00 01 02 03
# expect: fault OutOfBounds at instruction 2
# message: instruction 2: 8-byte write at ADDR is outside every region: it starts 4 bytes past the end of input buffer [ADDR, +4)
mov %r0, 0
mov %r2, 1
stxdw [%r1+8], %r2
exit
