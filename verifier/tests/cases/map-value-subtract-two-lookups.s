# verdict: reject PointerArithmetic at 16
# mem-len: 1
# Two lookups of different keys of map 0 return two different values (in an array map,
# slots 16 bytes apart): r0 - r7 is 16, not the 0 their offsets suggest. Added to the 1-byte
# buffer pointer it would read 16 bytes past the buffer.
    r6 = r1
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r7 = r0
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r0 -= r7
    r6 += r0
    r0 = *(u8 *)(r6 + 0)
    exit
out:
    r0 = 0
    exit
