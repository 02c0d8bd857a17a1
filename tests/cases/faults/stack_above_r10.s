# r10 points just past the main frame: nothing lives at or above it.
# expect: fault OutOfBounds at instruction 1
# message: instruction 1: 8-byte write at ADDR is outside every region: it starts just past the end of stack frame 0 [ADDR, +512)
mov %r0, 0
stdw [%r10+0], 1
exit
