# verdict: accept
# worst-case: 131
# mem-len: 16
# The counter lives on the stack (clang -O0 style).
    r0 = 0
    *(u64 *)(r10 - 8) = r0
loop:
    r3 = *(u64 *)(r10 - 8)
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r3 += 1
    *(u64 *)(r10 - 8) = r3
    if r3 < 16 goto loop
    exit
