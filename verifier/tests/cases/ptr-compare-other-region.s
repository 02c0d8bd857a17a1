# verdict: reject PointerComparison at 0
# mem-len: 8
    if r1 > r10 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit
