# verdict: reject HelperArgument at 1
# type: event
# unwind takes a number, not the context.
    r1 += 8
    call 5
    r0 = 0
    exit
