# verdict: accept
# worst-case: 4
# r6 to r9 survive a call.
    r6 = 1
    call 7
    r0 = r6
    exit
