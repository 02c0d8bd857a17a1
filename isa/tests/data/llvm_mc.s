# Every instruction form of the clang syntax, as llvm-mc 19 accepts it for
# `-triple bpfel -mcpu=v4`: one instruction per line. The expected bytes are
# llvm_mc.bin, made by scripts/rebuild-llvm-mc-fixtures.sh; isa/tests/llvm_mc.rs
# checks that ringfence assembles every line to the same bytes.
# Not here: lddw map_fd(..)/map_value(..) (llvm spells them as relocations), and
# what llvm-mc accepts but ringfence deliberately does not (llvm_mc_rejected.s).
	.text
start:
# ---- ALU64, immediate and register sources
	r1 += 1
	r1 += r2
	r3 -= -7
	r3 -= r4
	r5 *= 0x10
	r5 *= r6
	r7 /= 3
	r7 /= r8
	r9 s/= -3
	r9 s/= r0
	r1 |= 0xff
	r1 |= r10
	r2 &= 0x7fffffff
	r2 &= r3
	r4 <<= 63
	r4 <<= r5
	r6 >>= 1
	r6 >>= r7
	r8 = -r8
	r0 %= 10
	r0 %= r1
	r2 s%= -10
	r2 s%= r3
	r4 ^= -1
	r4 ^= r5
	r6 = 0
	r6 = -0x80000000
	r6 = 2147483647
	r6 = 0xffffffff
	r6 = 0X1f
	r6 = 010
	r6 = 0b101
	r7 = r10
	r8 = (s8)r9
	r8 = (s16)r9
	r8 = (s32)r9
	r0 s>>= 5
	r0 s>>= r1
	r1 = bswap16 r1
	r2 = bswap32 r2
	r3 = bswap64 r3
# ---- ALU32
	w1 += 1
	w1 += w2
	w3 -= -7
	w3 -= w4
	w5 *= 0x10
	w5 *= w6
	w7 /= 3
	w7 /= w8
	w9 s/= -3
	w9 s/= w0
	w1 |= 0xff
	w1 |= w10
	w2 &= 0xffffffff
	w2 &= w3
	w4 <<= 31
	w4 <<= w5
	w6 >>= 1
	w6 >>= w7
	w8 = -w8
	w0 %= 10
	w0 %= w1
	w2 s%= -10
	w2 s%= w3
	w4 ^= -1
	w4 ^= w5
	w6 = 0
	w6 = 4294967295
	w7 = w10
	w8 = (s8)w9
	w8 = (s16)w9
	w0 s>>= 5
	w0 s>>= w1
# ---- byte order
	r1 = le16 r1
	r2 = le32 r2
	r3 = le64 r3
	r4 = be16 r4
	r5 = be32 r5
	r6 = be64 r6
# ---- loads, including the 32-bit destination spellings and sign-extending loads
	r0 = *(u8 *)(r1 + 0)
	w0 = *(u8 *)(r1 + 1)
	r2 = *(u16 *)(r3 - 2)
	w2 = *(u16 *)(r3 + 0x7fff)
	r4 = *(u32 *)(r5 - 0x8000)
	w1 = *(u32 *)(r2 + 8)
	r6 = *(u64 *)(r10 - 8)
	r7 = *(s8 *)(r8 + 0)
	r7 = *(s16 *)(r8 + 2)
	r7 = *(s32 *)(r8 - 4)
# ---- stores of an immediate and of a register
	*(u8 *)(r10 - 1) = 0xff
	*(u16 *)(r10 - 2) = -1
	*(u32 *)(r10 - 4) = 0x12345678
	*(u64 *)(r10 - 8) = -5
	*(u8 *)(r1 + 0) = r2
	*(u8 *)(r1 + 0) = w2
	*(u16 *)(r1 + 2) = r3
	*(u16 *)(r1 + 2) = w3
	*(u32 *)(r1 + 4) = r4
	*(u32 *)(r1 + 0) = w2
	*(u64 *)(r10 - 16) = r5
# ---- atomics, 32-bit
	lock *(u32 *)(r1 + 4) += w2
	lock *(u32 *)(r1 + 4) += r2
	lock *(u32 *)(r1 + 4) |= w2
	lock *(u32 *)(r1 + 4) &= w2
	lock *(u32 *)(r1 + 4) ^= w2
	w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_xor((u32 *)(r1 - 8), w2)
	w2 = xchg32_32(r1 + 8, w2)
	w0 = cmpxchg32_32(r1 + 8, w0, w2)
# ---- atomics, 64-bit
	lock *(u64 *)(r1 + 8) += r2
	lock *(u64 *)(r1 + 8) |= r2
	lock *(u64 *)(r1 + 8) &= r2
	lock *(u64 *)(r1 + 8) ^= r2
	r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_xor((u64 *)(r1 - 8), r2)
	r2 = xchg_64(r1 + 8, r2)
	r0 = cmpxchg_64(r1 + 8, r0, r2)
# ---- 64-bit immediates
	r1 = 0x1234 ll
	r2 = -1 ll
	r3 = 0x123456789abcdef0 ll
	r4 = 18446744073709551615 ll
	r5 = -9223372036854775808 ll
# ---- jumps: relative, to labels, long
	goto +5
	goto -1
	goto +0
	goto start
	gotol +5
	gotol -1000
	gotol start
	if r1 == 0 goto +1
	if r1 == r2 goto +1
	if r1 > 0xffff goto +1
	if r1 > r2 goto +1
	if r1 >= 1 goto -1
	if r1 >= r2 goto -1
	if r1 & 0x80 goto +2
	if r1 & r2 goto +2
	if r1 != -1 goto +3
	if r1 != r2 goto +3
	if r1 s> -5 goto +4
	if r1 s> r2 goto +4
	if r1 s>= 5 goto +4
	if r1 s>= r2 goto +4
	if r1 < 9 goto start
	if r1 < r2 goto start
	if r1 <= 9 goto end
	if r1 <= r2 goto end
	if r1 s< -9 goto +32767
	if r1 s< r2 goto -32768
	if r1 s<= 9 goto +1
	if r1 s<= r2 goto +1
	if w1 == 0 goto +1
	if w1 == w2 goto +1
	if w1 > 0xffffffff goto +1
	if w1 > w2 goto +1
	if w1 >= 1 goto -1
	if w1 >= w2 goto -1
	if w1 & 0x80 goto +2
	if w1 & w2 goto +2
	if w1 != -1 goto +3
	if w1 != w2 goto +3
	if w1 s> -5 goto +4
	if w1 s> w2 goto +4
	if w1 s>= 5 goto +4
	if w1 s>= w2 goto +4
	if w1 < 9 goto start
	if w1 < w2 goto start
	if w1 <= 9 goto end
	if w1 <= w2 goto end
	if w1 s< w2 goto +1
	if w1 s< -9 goto +1
	if w1 s<= 9 goto +1
	if w1 s<= w2 goto +1
# ---- calls and exit
	call 1
	call 0x7fffffff
	call -1
	call func
	callx r2
	exit
func:
	r0 = 0
end:
	exit
