# error: bad_register.s:2:5: `r11` is not a register: registers are r0 to r10
    r11 = 1
    exit
