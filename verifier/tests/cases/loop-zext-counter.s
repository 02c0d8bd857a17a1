# verdict: accept
# mem-len: 64
# clang's `for (int i = 0; i < 64; i++)` without 32-bit registers: a 64-bit counter whose
# low 32 bits, zero-extended by two shifts, are tested with `!=`.
    r0 = 0
    r3 = 0
head:
    r5 = r1
    r5 += r3
    r5 = *(u8 *)(r5 + 0)
    r0 += r5
    r3 += 1
    r5 = r3
    r5 <<= 32
    r5 >>= 32
    if r5 != 64 goto head
    exit
