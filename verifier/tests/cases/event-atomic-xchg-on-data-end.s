# type: event
# verdict: reject Permission at 1
# An exchange would replace the context's data_end with any number.
    r2 = 64
    r2 = xchg_64(r1 + 24, r2)
    r0 = 0
    exit
