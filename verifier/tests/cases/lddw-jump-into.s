# verdict: reject JumpIntoLddw at 0
    goto +1
    r1 = 0x123456789 ll
    r0 = 0
    exit
