# verdict: reject UninitRegister at 0
    exit
