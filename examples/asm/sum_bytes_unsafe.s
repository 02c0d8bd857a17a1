# The unsafe twin of sum_bytes.s: it reads one byte past the end of the buffer, the
# Channel File 291 bug in miniature (`<=` where `<` was meant). The verifier refuses it.
    r0 = 0
    if r2 > 64 goto done
    r3 = 0
loop:
    if r3 > r2 goto done
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r3 += 1
    goto loop
done:
    exit
