# The main frame is 512 bytes: r10-520 lies below it.
# expect: fault OutOfBounds at instruction 1
# message: instruction 1: 8-byte read at ADDR is outside every region: it ends just before stack frame 0 [ADDR, +512)
mov %r0, 0
ldxdw %r0, [%r10-520]
exit
