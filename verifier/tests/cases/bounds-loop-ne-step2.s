# verdict: reject UnboundedLoop at 4
# Steps of 2 never equal 15: an infinite loop.
    r0 = 0
    r3 = 0
loop:
    r0 += r3
    r3 += 2
    if r3 != 15 goto loop
    exit
