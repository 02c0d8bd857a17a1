# verdict: reject UninitRegister at 3
# mem-len: 16
# r3 is clobbered by the call.
    r2 = *(u64 *)(r1 + 0)
    r3 = r2
    call 7
    if r3 > 8 goto out
    r0 = 0
    exit
out:
    r0 = 0
    exit
