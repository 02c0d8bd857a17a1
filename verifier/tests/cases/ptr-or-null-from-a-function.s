# verdict: accept
# mem-len: 8
# A function returns a pointer into the buffer or 0 (C's `return found ? p : NULL`); the
# caller checks the result before it reads through it.
    call find
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 0)
out:
    exit
find:
    r0 = r1
    r2 = *(u8 *)(r1 + 0)
    if r2 == 7 goto found
    r0 = 0
found:
    exit
