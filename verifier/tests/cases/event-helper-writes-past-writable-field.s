# type: event
# verdict: reject Permission at 4
# fact: byte 16 is field data, which is read-only
# The writable field `verdict` is 8 bytes at 8: a 9-byte write from it reaches `data`.
    r6 = r1
    r1 = r6
    r1 += 8
    r2 = 9
    call 100
    r0 = 0
    exit
