# verdict: reject UninitStack at 4
# The key is read by the helper.
    r1 = map_fd(0) ll
    r2 = r10
    r2 += -4
    call 1
    r0 = 0
    exit
