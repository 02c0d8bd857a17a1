# error: offset_too_large.s:3:22: offset 32768 does not fit in 16 bits: expected -32768 to 32767
# llvm-mc 19 rejects offsets outside -32768..32767.
    r0 = *(u64 *)(r1 + 32768)
    exit
