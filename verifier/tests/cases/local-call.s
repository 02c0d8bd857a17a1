# verdict: accept
# worst-case: 10
# Arguments in r1-r5, result in r0, r6-r9 restored.
    r1 = 1
    r2 = 2
    r6 = 6
    call add
    if r6 != 6 goto bad
    exit
bad:
    r0 = -1
    exit
add:
    r0 = r1
    r0 += r2
    r6 = 0
    exit
