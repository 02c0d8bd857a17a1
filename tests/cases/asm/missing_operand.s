# error: missing_operand.s:3:10: expected a 32-bit number or a register r0..r10, found the end of the line
    r1 = 2
    r0 += 
    exit
