# verdict: reject UninitStack at 4
# The callee's r10 is its own, fresh frame.
    r1 = 42
    *(u64 *)(r10 - 8) = r1
    call f
    exit
f:
    r0 = *(u64 *)(r10 - 8)
    exit
