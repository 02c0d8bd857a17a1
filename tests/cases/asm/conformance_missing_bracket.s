# error: conformance_missing_bracket.s:2:21: expected `]`, found the end of the line
    ldxw %r0, [%r1+8
    exit
