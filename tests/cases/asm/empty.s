# error: empty.s:2:1: the file holds no instructions: a program needs at least `exit`
# Only comments: no instruction.
