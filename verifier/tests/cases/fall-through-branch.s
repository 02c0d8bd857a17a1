# verdict: reject FallThrough at 1
    r0 = 0
    if r0 == 0 goto -2
