# verdict: reject IrreducibleLoop at 4
# mem-len: 1
# The loop a-b can be entered at a or at b.
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    if r2 == 0 goto b
a:
    r0 += 1
    if r0 > 10 goto out
b:
    r0 += 1
    goto a
out:
    exit
