# verdict: accept
# worst-case: 3
# Unreachable code is allowed, never analysed.
    r0 = 1
    goto end
    r0 = 2
end:
    exit
