# verdict: reject NotAPointer at 1
    r1 = 4096
    r0 = *(u8 *)(r1 + 0)
    exit
