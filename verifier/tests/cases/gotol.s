# verdict: accept
# worst-case: 3
# A long jump skips an instruction.
    r0 = 1
    gotol +1
    r0 = 2
    exit
