# Dereferencing a null pointer: no region lies at address 0.
# expect: fault OutOfBounds at instruction 1
# message: instruction 1: 8-byte read at 0x0 is outside every region: the nearest region, stack frame 0 [ADDR, +512), starts ADDR bytes above it
mov %r0, 0
ldxdw %r0, [%r0+0]
exit
