# verdict: reject FallThrough at 1
# The call returns to the next instruction, which is another function.
    r0 = 0
    call f
f:
    r0 = 1
    exit
