# verdict: reject JumpOutOfRange at 1
    r0 = 1
    gotol +5
    exit
