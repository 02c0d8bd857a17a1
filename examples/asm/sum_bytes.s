# Sums the bytes of the buffer r1 points to; r2 holds its length (program type `mem`).
# The loop bound comes from the length, capped at 64 so the verifier can bound the loop.
    r0 = 0
    if r2 > 64 goto done
    r3 = 0
loop:
    if r3 >= r2 goto done
    r4 = r1
    r4 += r3
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r3 += 1
    goto loop
done:
    exit
