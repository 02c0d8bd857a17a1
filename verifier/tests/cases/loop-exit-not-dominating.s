# verdict: reject UnboundedLoop at 6
# mem-len: 8
# The only bounded exit can be skipped.
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    r1 = 0
loop:
    if r2 == 0 goto skip
    if r1 > 20 goto out
skip:
    r1 += 1
    goto loop
out:
    exit
