# verdict: reject ReturnRange at 2
# type: event
# fact: r0: scalar in [0, 3]
# fact: return range of event: [0, 1]
    r0 = *(u8 *)(r1 + 0)
    r0 &= 3
    exit
