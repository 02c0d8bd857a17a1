# error: garbage_character.s:2:12: unexpected character `@`
    r0 = 1 @ 2
    exit
