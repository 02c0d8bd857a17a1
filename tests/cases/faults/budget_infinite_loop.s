# An infinite loop runs out of its instruction budget.
# max_insns: 1000
# expect: fault BudgetExhausted at instruction 2
# message: instruction 2: the budget of 1000 instructions is exhausted
mov %r0, 0
loop:
add %r0, 1
ja loop
