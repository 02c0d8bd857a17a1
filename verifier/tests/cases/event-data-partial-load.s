# verdict: reject BadContextAccess at 0
# type: event
# data is loaded whole.
    r2 = *(u32 *)(r1 + 16)
    r0 = 0
    exit
