# verdict: accept
# worst-case: 2
# r0 holds the helper result.
    call 7
    exit
