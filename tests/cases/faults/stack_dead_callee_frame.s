# A callee returns a pointer into its own frame; once it has returned, that frame is dead.
# expect: fault OutOfBounds at instruction 1
# message: instruction 1: 8-byte read at ADDR is outside every region: it ends just before stack frame 0 [ADDR, +512)
call local leak
ldxdw %r0, [%r0+0]
exit
leak:
stdw [%r10-8], 7
mov %r0, %r10
sub %r0, 8
exit
