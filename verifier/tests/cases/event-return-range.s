# verdict: reject ReturnRange at 1
# type: event
# Event programs return 0 or 1.
    r0 = 2
    exit
