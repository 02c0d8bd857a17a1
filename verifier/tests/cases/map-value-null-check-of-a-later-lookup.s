# verdict: reject NullPointer at 7
# The same lookup (one call site, in a function called twice): the first result is saved
# unchecked, the second is checked. The check says nothing of the first, which may be null.
    r1 = 0
    call lookup
    *(u64 *)(r10 - 16) = r0
    r1 = 1
    call lookup
    if r0 == 0 goto out
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u8 *)(r1 + 0)
out:
    r0 = 0
    exit
lookup:
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(0) ll
    call 1
    exit
