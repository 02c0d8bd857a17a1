# What llvm-mc 19 accepts for `-triple bpfel -mcpu=v4` but ringfence does not assemble
# today: kernel extensions outside RFC 9669's base groups. isa/tests/llvm_mc.rs asserts
# that each line is rejected; scripts/rebuild-llvm-mc-fixtures.sh checks that llvm-mc
# still accepts them. One instruction per line.
	may_goto +3
	r0 = *(u8 *)skb[5]
	r0 = *(u16 *)skb[r3]
	r0 = *(u32 *)skb[0x10]
	r1 = addr_space_cast(r2, 0, 1)
