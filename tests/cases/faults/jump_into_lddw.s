# Slot 2 is the second half of the lddw at slot 1.
# expect: fault JumpIntoLddw at instruction 0
# message: instruction 0: jump to instruction 2 lands in the second slot of the lddw at 1
ja +1
lddw %r0, 0x1122334455667788
exit
