# A jump 10 slots ahead leaves a 3-slot program.
# expect: fault JumpOutOfProgram at instruction 1
# message: instruction 1: jump to instruction 12 is outside the program (3 instructions)
mov %r0, 0
ja +10
exit
