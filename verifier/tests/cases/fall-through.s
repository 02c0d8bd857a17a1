# verdict: reject FallThrough at 0
    r0 = 0
