# verdict: reject PointerArithmetic at 10
# mem-len: 1
# map_value(0, 0) names the value of key 0; the lookup of key 1 is another value. Their
# difference (16 in an array map) is not 0.
    r6 = r1
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r1 = map_value(0, 0) ll
    r0 -= r1
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
    exit
out:
    r0 = 0
    exit
