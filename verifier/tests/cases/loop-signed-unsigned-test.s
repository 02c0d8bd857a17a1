# verdict: accept
# worst-case: 6
# Unsigned, -4 is not below 5: the branch never loops back, and the verifier sees it.
    r0 = 0
    r1 = -5
loop:
    r0 += 1
    r1 += 1
    if r1 < 5 goto loop
    exit
