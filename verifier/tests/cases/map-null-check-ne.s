# verdict: accept
# worst-case: 11
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 != 0 goto use
    exit
use:
    r1 = 7
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit
