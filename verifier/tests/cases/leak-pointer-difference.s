# verdict: accept
# worst-case: 5
# mem-len: 8
# The difference of two pointers into one region is a number.
    r2 = r1
    r2 += 8
    r2 -= r1
    r0 = r2
    exit
