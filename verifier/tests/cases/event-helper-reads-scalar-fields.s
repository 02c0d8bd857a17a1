# type: event
# verdict: accept
# The safe twin: a helper may read the context's numbers (pid, uid, verdict).
    r1 += 0
    r2 = 16
    call 6
    r0 = 0
    exit
