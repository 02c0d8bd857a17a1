# verdict: accept
# worst-case: 5
# mem-len: 8
    r2 = r1
    r2 += 4
    if r1 > r2 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit
