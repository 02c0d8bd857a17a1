# type: event
# verdict: reject PointerLeak at 2
# trace would read the context's data field: the host would see the data area's address.
    r1 += 16
    r2 = 16
    call 6
    r0 = 0
    exit
