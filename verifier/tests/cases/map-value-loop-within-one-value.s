# verdict: accept
# The safe twin: a walk from a lookup's value to the end of the same value (clang's loop
# strength reduction writes loops this way).
    r1 = map_fd(0) ll
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r6 = r0
    r7 = r0
    r7 += 16
    r8 = 0
loop:
    r1 = *(u8 *)(r6 + 0)
    r8 += r1
    r6 += 1
    if r6 < r7 goto loop
out:
    r0 = 0
    exit
