# verdict: accept
# worst-case: 27
# Steps of 2 from 0 reach 16 exactly.
    r0 = 0
    r3 = 0
loop:
    r0 += r3
    r3 += 2
    if r3 != 16 goto loop
    exit
