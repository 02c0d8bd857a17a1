# verdict: accept
# worst-case: 91
# The exit test is at the top.
    r0 = 0
    r1 = 0
loop:
    if r1 > 20 goto out
    r0 += r1
    r1 += 1
    goto loop
out:
    exit
