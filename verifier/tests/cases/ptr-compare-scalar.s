# verdict: reject PointerComparison at 0
# mem-len: 8
# Comparing an address with a number leaks it.
    if r1 > 100 goto out
    r0 = 1
    exit
out:
    r0 = 0
    exit
