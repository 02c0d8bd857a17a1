# verdict: reject ReturnRange at 1
# type: event
    r0 = *(u32 *)(r1 + 0)
    exit
