# verdict: reject BadContextAccess at 0
# type: event
# pid and uid are two fields.
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit
