# verdict: reject UnknownMap at 0
    r1 = map_fd(7) ll
    r0 = 0
    exit
