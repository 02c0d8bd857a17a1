//! A seeded, bounded soundness harness: random `mem` programs, biased toward the edges the
//! verifier must get right (bounds, off-by-one loops, clang's rotated loops with a pointer
//! beside the counter and zero-extended tests, signed and 32-bit tests, stack
//! initialisation), are verified; every accepted one is run in a small checked interpreter
//! on random buffers and must never fault (out-of-bounds access, uninitialised register or
//! stack byte) nor execute more instructions than the verifier's stated worst case.
//!
//! The interpreter here is deliberately independent of the verifier (and of `ringfence-vm`,
//! which depends on this crate): it follows RFC 9669 directly.

mod support;

use ringfence_isa::{assemble, AluOp, ByteOrder, Insn, Semantics, Size, Source, Width};
use ringfence_verifier::{verify, ArgKind, HelperSig, ProgramType, RetKind, VerifierConfig};
use support::{alu, holds, Rng};

const BUF: u64 = 0x1000_0000;
const STACK: u64 = 0x2000_0000;

/// Why a run stopped early; printed when the harness fails.
#[derive(Debug)]
#[allow(dead_code)]
enum Fault {
    UninitRegister(usize, u8),
    UninitStack(usize),
    OutOfBounds(usize, u64),
    TooManySteps(u64),
    Invalid(usize),
}

/// Runs `insns` on `mem`; returns the number of instructions executed.
fn run(insns: &[Insn], mem: &mut [u8], limit: u64, rng: &mut Rng) -> Result<u64, Fault> {
    let mut regs: [Option<u64>; 11] = [None; 11];
    regs[1] = Some(BUF);
    regs[2] = Some(mem.len() as u64);
    regs[10] = Some(STACK + 512);
    let mut stack = [0u8; 512];
    let mut init = [false; 512];
    let mut pc = 0usize;
    let mut steps = 0u64;
    loop {
        steps += 1;
        if steps > limit {
            return Err(Fault::TooManySteps(steps));
        }
        let insn = insns.get(pc).ok_or(Fault::Invalid(pc))?;
        let get =
            |regs: &[Option<u64>; 11], r: u8| regs[r as usize].ok_or(Fault::UninitRegister(pc, r));
        let mut next = pc + insn.n_slots();
        match insn.semantics() {
            Semantics::Alu { op, width, source } => {
                let src = match source {
                    Source::Imm => insn.imm as u64,
                    Source::Reg => get(&regs, insn.src)?,
                };
                let dst = if op == AluOp::Mov {
                    0
                } else {
                    get(&regs, insn.dst)?
                };
                regs[insn.dst as usize] = Some(alu(op, width, dst, src));
            }
            Semantics::Neg { width } => {
                let d = get(&regs, insn.dst)?;
                regs[insn.dst as usize] = Some(match width {
                    Width::W64 => d.wrapping_neg(),
                    Width::W32 => (d as u32).wrapping_neg() as u64,
                });
            }
            Semantics::MovSx { width, from } => {
                let s = get(&regs, insn.src)?;
                let v = match from {
                    Size::B => s as i8 as i64 as u64,
                    Size::H => s as i16 as i64 as u64,
                    _ => s as i32 as i64 as u64,
                };
                regs[insn.dst as usize] = Some(match width {
                    Width::W64 => v,
                    Width::W32 => v as u32 as u64,
                });
            }
            Semantics::Endian { order, bits } => {
                let d = get(&regs, insn.dst)?;
                let v = match (order, bits) {
                    (ByteOrder::Le, 16) => d as u16 as u64,
                    (ByteOrder::Le, 32) => d as u32 as u64,
                    (ByteOrder::Le, _) => d,
                    (_, 16) => (d as u16).swap_bytes() as u64,
                    (_, 32) => (d as u32).swap_bytes() as u64,
                    _ => d.swap_bytes(),
                };
                regs[insn.dst as usize] = Some(v);
            }
            Semantics::Load { size, signed } => {
                let addr = get(&regs, insn.src)?.wrapping_add(insn.off as i64 as u64);
                let n = size.bytes() as u64;
                let bytes = read(mem, &stack, &init, addr, n, pc)?;
                let mut v = 0u64;
                for (i, b) in bytes.iter().enumerate() {
                    v |= (*b as u64) << (8 * i);
                }
                if signed {
                    let shift = 64 - 8 * n;
                    v = (((v << shift) as i64) >> shift) as u64;
                }
                regs[insn.dst as usize] = Some(v);
            }
            Semantics::Store { size, source } => {
                let v = match source {
                    Source::Imm => insn.imm as u64,
                    Source::Reg => get(&regs, insn.src)?,
                };
                let addr = get(&regs, insn.dst)?.wrapping_add(insn.off as i64 as u64);
                write(mem, &mut stack, &mut init, addr, size.bytes() as u64, v, pc)?;
            }
            Semantics::LoadImm64 { .. } => regs[insn.dst as usize] = Some(insn.imm as u64),
            Semantics::Goto { .. } => {
                next = insn.jump_target(pc).ok_or(Fault::Invalid(pc))? as usize
            }
            Semantics::Branch {
                cond,
                width,
                source,
            } => {
                let a = get(&regs, insn.dst)?;
                let b = match source {
                    Source::Imm => insn.imm as u64,
                    Source::Reg => get(&regs, insn.src)?,
                };
                if holds(cond, width, a, b) {
                    next = insn.jump_target(pc).ok_or(Fault::Invalid(pc))? as usize;
                }
            }
            Semantics::Call { .. } => {
                for r in regs.iter_mut().take(6).skip(1) {
                    *r = None;
                }
                regs[0] = Some(rng.next());
            }
            Semantics::Exit => {
                get(&regs, 0)?;
                return Ok(steps);
            }
            Semantics::Atomic { .. } => return Err(Fault::Invalid(pc)),
        }
        pc = next;
    }
}

fn read(
    mem: &[u8],
    stack: &[u8; 512],
    init: &[bool; 512],
    addr: u64,
    n: u64,
    pc: usize,
) -> Result<Vec<u8>, Fault> {
    if addr >= BUF && addr.wrapping_add(n) <= BUF + mem.len() as u64 && addr.wrapping_add(n) > addr
    {
        let o = (addr - BUF) as usize;
        return Ok(mem[o..o + n as usize].to_vec());
    }
    if addr >= STACK && addr + n <= STACK + 512 {
        let o = (addr - STACK) as usize;
        if init[o..o + n as usize].iter().any(|i| !i) {
            return Err(Fault::UninitStack(pc));
        }
        return Ok(stack[o..o + n as usize].to_vec());
    }
    Err(Fault::OutOfBounds(pc, addr))
}

fn write(
    mem: &mut [u8],
    stack: &mut [u8; 512],
    init: &mut [bool; 512],
    addr: u64,
    n: u64,
    v: u64,
    pc: usize,
) -> Result<(), Fault> {
    let bytes = v.to_le_bytes();
    if addr >= BUF && addr.wrapping_add(n) <= BUF + mem.len() as u64 && addr.wrapping_add(n) > addr
    {
        let o = (addr - BUF) as usize;
        mem[o..o + n as usize].copy_from_slice(&bytes[..n as usize]);
        return Ok(());
    }
    if addr >= STACK && addr + n <= STACK + 512 {
        let o = (addr - STACK) as usize;
        stack[o..o + n as usize].copy_from_slice(&bytes[..n as usize]);
        init[o..o + n as usize].iter_mut().for_each(|i| *i = true);
        return Ok(());
    }
    Err(Fault::OutOfBounds(pc, addr))
}

/// A random program biased toward the verifier's edges, and its buffer length.
fn generate(rng: &mut Rng, id: usize) -> (String, u64) {
    let mem_len = *rng.pick(&[0u64, 1, 4, 8, 16, 32]);
    let mut out = String::from("r0 = 0\n");
    for r in 2..=5 {
        if mem_len > 0 && rng.chance(70) {
            out += &format!("r{r} = *(u8 *)(r1 + {})\n", rng.below(mem_len));
        } else {
            out += &format!("r{r} = {}\n", rng.below(40) as i64 - 4);
        }
    }
    let sizes = ["u8", "u16", "u32", "u64"];
    let size_bytes = |s: &str| match s {
        "u8" => 1,
        "u16" => 2,
        "u32" => 4,
        _ => 8,
    };
    let n = 1 + rng.below(5);
    for k in 0..n {
        let x = 2 + rng.below(4);
        let y = 2 + rng.below(4);
        let label = format!("L{id}_{k}");
        match rng.below(13) {
            8 => {
                // Copies, then a check on one copy and a use of another, maybe after one
                // of them changed.
                let z = 2 + rng.below(4);
                out += &format!("r{y} = r{x}\n");
                if rng.chance(50) {
                    out += &format!("*(u64 *)(r10 - 24) = r{x}\n");
                }
                match rng.below(4) {
                    0 => out += &format!("r{x} += 1\n"),
                    1 if mem_len > 0 => out += &format!("r{y} = *(u8 *)(r1 + 0)\n"),
                    2 => out += &format!("*(u8 *)(r10 - 24) = r{z}\n"),
                    _ => {}
                }
                if rng.chance(50) {
                    out += &format!("r{z} = *(u64 *)(r10 - 24)\n");
                }
                let k = rng.below(mem_len + 2);
                out += &format!("if r{y} > {k} goto {label}\n");
                out += &format!(
                    "r6 = r1\nr6 += r{}\nr0 = *(u8 *)(r6 + 0)\n",
                    *rng.pick(&[x, z])
                );
                out += &format!("{label}:\n");
            }
            9 | 10 => {
                // A clang -O0 style loop: the counter on the stack, filled twice.
                let limit = rng.below(mem_len + 2);
                let cond = rng.pick(&[">", ">=", "=="]);
                out += &format!("r7 = 0\n*(u64 *)(r10 - 32) = r7\n{label}:\n");
                out += &format!("r7 = *(u64 *)(r10 - 32)\nif r7 {cond} {limit} goto {label}_out\n");
                out +=
                    "r8 = *(u64 *)(r10 - 32)\nr9 = r1\nr9 += r8\nr9 = *(u8 *)(r9 + 0)\nr0 += r9\n";
                out += &format!("r8 += 1\n*(u64 *)(r10 - 32) = r8\ngoto {label}\n{label}_out:\n");
            }
            0 => {
                let op = rng.pick(&[
                    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "s>>=",
                ]);
                if rng.chance(50) {
                    out += &format!("r{x} {op} {}\n", rng.below(20) as i64 - 2);
                } else if rng.chance(30) {
                    out += &format!("w{x} {op} w{y}\n");
                } else {
                    out += &format!("r{x} {op} r{y}\n");
                }
            }
            1 => {
                let m = rng.pick(&[1u64, 3, 7, 15, 31, 255]);
                out += &format!("r{x} &= {m}\n");
            }
            2 | 3 => {
                // A bounds check, then an indexed access.
                let cond = rng.pick(&[">", ">=", "s>", "s>="]);
                let wide = if rng.chance(25) { "w" } else { "r" };
                let k = rng.below(mem_len + 3);
                let sz = rng.pick(&sizes);
                let off = rng.below(3) as i64 - 1;
                out += &format!("if {wide}{x} {cond} {k} goto {label}\n");
                out += &format!("r6 = r1\nr6 += r{x}\n");
                if rng.chance(50) {
                    out += &format!("r0 = *({sz} *)(r6 {off:+})\n");
                } else {
                    out += &format!("*({sz} *)(r6 {off:+}) = r0\n");
                }
                out += &format!("{label}:\n");
            }
            4 => {
                let sz = rng.pick(&sizes);
                let off = 1 + rng.below(520);
                if rng.chance(60) {
                    out += &format!("*({sz} *)(r10 - {off}) = r{x}\n");
                } else {
                    out += &format!("r{x} = *({sz} *)(r10 - {off})\n");
                }
            }
            11 | 12 => {
                // clang's loops: a pointer stepped beside the counter the exit tests (the
                // pointer's range follows from the counter's bound); the next count
                // computed before the test of the old one (rotated), or the test on the
                // counter's low 32 bits zero-extended by shifts (`r <<= 32; r >>= 32`).
                let start = rng.below(3);
                let step = *rng.pick(&[1u64, 1, 2]);
                let pstep = *rng.pick(&[1u64, 2, 4, 8]);
                let limit = rng.below(mem_len / pstep + 3);
                let cond = rng.pick(&["<", "<=", "!="]);
                let sz = rng.pick(&sizes);
                if rng.chance(20) {
                    // Past 2^32: only the low 32 bits count in a zero-extended test.
                    out += &format!("r7 = {} ll\n", (1u64 << 32) + start);
                } else {
                    out += &format!("r7 = {start}\n");
                }
                out += &format!("r8 = r1\n{label}:\n");
                out += &format!("r9 = *({sz} *)(r8 + 0)\nr0 += r9\nr8 += {pstep}\n");
                let tested = if rng.chance(50) {
                    out += &format!("r6 = r7\nr7 += {step}\n");
                    6
                } else {
                    out += &format!("r7 += {step}\n");
                    7
                };
                if rng.chance(50) {
                    out += &format!("r5 = r{tested}\nr5 <<= 32\nr5 >>= 32\n");
                    out += &format!("if r5 {cond} {limit} goto {label}\n");
                } else {
                    out += &format!("if r{tested} {cond} {limit} goto {label}\n");
                }
            }
            5 | 6 => {
                // A counted loop over the buffer.
                let start = rng.below(3);
                let step = *rng.pick(&[1u64, 1, 1, 2]);
                let limit = rng.below(mem_len + 3);
                let cond = rng.pick(&["<", "<=", "!=", "s<", "s<="]);
                let wide = if rng.chance(20) { "w" } else { "r" };
                let sz = rng.pick(&sizes);
                let spill = rng.chance(30);
                out += &format!("r7 = {start}\n");
                if spill {
                    out += "*(u64 *)(r10 - 8) = r7\n";
                }
                out += &format!("{label}:\n");
                if spill {
                    out += "r7 = *(u64 *)(r10 - 8)\n";
                }
                out += "r8 = r1\nr8 += r7\n";
                out += &format!("r9 = *({sz} *)(r8 + 0)\nr0 += r9\n");
                out += &format!("r7 += {step}\n");
                if spill {
                    out += "*(u64 *)(r10 - 8) = r7\n";
                }
                out += &format!("if {wide}7 {cond} {limit} goto {label}\n");
                let _ = size_bytes;
            }
            _ => {
                // A pointer walk to an end pointer.
                let sz = rng.pick(&sizes);
                let end = rng.below(mem_len + 2);
                let cond = rng.pick(&["<", "<=", "!="]);
                out += &format!("r8 = r1\nr9 = r1\nr9 += {end}\n{label}:\n");
                out += &format!("r7 = *({sz} *)(r8 + 0)\nr0 += r7\nr8 += 1\n");
                out += &format!("if r8 {cond} r9 goto {label}\n");
            }
        }
    }
    out += "exit\n";
    (out, mem_len)
}

#[test]
fn accepted_programs_never_fault_nor_exceed_their_worst_case() {
    // Longer runs: RINGFENCE_SOUNDNESS_PROGRAMS=100000 RINGFENCE_SOUNDNESS_SEED=7.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut rng = Rng(0x5eed_1234_abcd_0001 ^ env("RINGFENCE_SOUNDNESS_SEED", 0));
    let config = VerifierConfig::default();
    let (mut accepted, mut runs) = (0, 0);
    let total = env("RINGFENCE_SOUNDNESS_PROGRAMS", 2000) as usize;
    for id in 0..total {
        let (text, mem_len) = generate(&mut rng, id);
        let prog = assemble("gen.s", &text).unwrap_or_else(|e| panic!("{}\n{text}", e.render()));
        let ptype = ProgramType::mem(mem_len).with_helper(
            5,
            HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar),
        );
        let Ok(verified) = verify(&prog.insns, &ptype, &config) else {
            continue;
        };
        accepted += 1;
        let worst = verified.worst_case_insns();
        if worst > 5_000_000 {
            continue;
        }
        for _ in 0..4 {
            let mut mem: Vec<u8> = (0..mem_len).map(|_| rng.next() as u8).collect();
            if rng.chance(30) {
                mem.iter_mut()
                    .for_each(|b| *b = *rng.pick(&[0u8, 1, 0x7f, 0x80, 0xff]));
            }
            runs += 1;
            match run(&prog.insns, &mut mem, worst, &mut rng) {
                Ok(steps) => assert!(steps <= worst),
                Err(fault) => panic!(
                    "accepted program faulted: {fault:?} (worst case {worst})\nmem {mem:?}\n{text}"
                ),
            }
        }
    }
    println!("{accepted} of {total} generated programs accepted, {runs} runs, no fault");
    assert!(accepted > total / 20, "only {accepted} of {total} accepted");
}

/// The verifier never panics, whatever well-formed instruction soup it is given: random
/// rows of the instruction table with random operands (jump offsets kept small so that
/// some programs get past the structural checks).
#[test]
fn verifier_never_panics_on_random_instructions() {
    use ringfence_isa::{decode, encode, TABLE};
    let mut rng = Rng(0xdead_beef_0bad_f00d);
    let ptype = ProgramType::mem(16).with_helper(
        5,
        HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar),
    );
    let config = VerifierConfig::default();
    let mut verified = 0;
    for _ in 0..20_000 {
        let len = 1 + rng.below(12);
        let mut insns = Vec::new();
        for _ in 0..len {
            let row = rng.pick(TABLE);
            let small = rng.below(64) as i64 - 8;
            let insn = Insn::new(row.op)
                .dst(rng.below(11) as u8)
                .src(rng.below(11) as u8)
                .off(rng.below(9) as i16 - 4)
                .imm(*rng.pick(&[0i64, 1, -1, 5, 8, 16, 0x7fff_ffff, small]));
            insns.push(insn);
            if insn.n_slots() == 2 {
                insns.push(Insn::lddw_tail_of(insn));
            }
        }
        if rng.chance(70) {
            insns.push(Insn::new(ringfence_isa::Op::Mov64Imm));
            insns.push(Insn::new(ringfence_isa::Op::Exit));
        }
        // Normalise through the encoder: reserved fields cleared, keys respected.
        let Ok(insns) = decode(&encode(&insns)) else {
            continue;
        };
        if verify(&insns, &ptype, &config).is_ok() {
            verified += 1;
        }
    }
    println!("{verified} random programs accepted");
}
