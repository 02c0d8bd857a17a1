# error: immediate_too_large.s:3:11: immediate 4294967296 does not fit in 32 bits: expected -2147483648 to 4294967295 (or 0xffffffff)
# llvm-mc 19 silently truncates this to 0; we refuse it.
    r1 += 0x100000000
    exit
