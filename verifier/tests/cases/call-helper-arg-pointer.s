# verdict: reject HelperArgument at 0
# mem-len: 4
# unwind takes a number; r1 is the buffer pointer.
    call 5
    r0 = 0
    exit
