# verdict: reject PointerLeak at 0
# mem-len: 8
# The host could read the address.
    *(u64 *)(r1 + 0) = r1
    r0 = 0
    exit
