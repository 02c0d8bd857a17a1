# verdict: accept
# worst-case: 5
# The bpf_conformance convention: callx with a constant helper number.
    r1 = -1
    r2 = 5
    callx r2
    r0 = 2
    exit
