# error: bad_octal_number.s:2:10: `099` is not an octal number
    r0 = 099
    exit
