# error: typo_mnemonic.s:4:1: unknown instruction `eixt`: expected an instruction such as `r0 = 1` or `mov %r0, 1`
# A misspelled mnemonic.
r0 = 0
eixt
