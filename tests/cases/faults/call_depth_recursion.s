# Unbounded recursion: the eighth frame's local call would need a ninth.
# expect: fault CallDepthExceeded at instruction 3
# message: instruction 3: a local call would exceed the limit of 8 stack frames
mov %r0, 0
call local recurse
exit
recurse:
call local recurse
exit
