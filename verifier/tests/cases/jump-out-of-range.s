# verdict: reject JumpOutOfRange at 0
    goto +5
    r0 = 0
    exit
