# The program never exits: execution runs past its last instruction.
# expect: fault FellOffEnd at instruction 1
# message: instruction 1: execution runs past the last instruction without reaching exit
mov %r0, 0
add %r0, 1
