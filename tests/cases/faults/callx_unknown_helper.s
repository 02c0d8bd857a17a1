# callx takes a helper number from its register; nothing is registered as 77.
# expect: fault UnknownHelper at instruction 1
# message: instruction 1: call to unknown helper 77
mov %r2, 77
call %r2
exit
