# error: duplicate_label.s:4:1: label `loop` is defined twice
loop:
    r0 = 1
loop:
    exit
