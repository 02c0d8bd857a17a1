# verdict: accept
# worst-case: 14
# Each call site is analysed with its own arguments: r6 is exactly 3.
    r1 = 3
    call get
    r6 = r0
    r1 = 100
    call get
    r1 = r10
    r1 += r6
    r0 = 0
    *(u8 *)(r1 - 8) = r0
    exit
get:
    r0 = r1
    exit
