# verdict: reject UninitRegister at 3
# mem-len: 1
# r0 is set on one path only.
    r2 = *(u8 *)(r1 + 0)
    if r2 == 0 goto out
    r0 = 1
out:
    exit
