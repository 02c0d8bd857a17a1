# verdict: accept
# worst-case: 4
# Division by zero gives 0: not an error.
    r2 = 0
    r0 = 7
    r0 /= r2
    exit
