# Only helper 5 is registered.
# expect: fault UnknownHelper at instruction 1
# message: instruction 1: call to unknown helper 99
mov %r1, 1
call 99
exit
