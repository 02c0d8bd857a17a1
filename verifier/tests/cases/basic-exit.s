# verdict: accept
# worst-case: 2
# The smallest program.
    r0 = 0
    exit
