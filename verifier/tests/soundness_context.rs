//! A seeded, bounded soundness harness for event programs, the companion of
//! `soundness.rs` (which covers `mem` programs): random programs over a context with a
//! read-only scalar, a bounded string length, a writable field and a data area, that
//! load and store context fields, walk the data area behind bounds checks, add the bounded
//! length to `data` (and then, from the checked pointer, a second bounded step that is not
//! a constant, forward or back), check `data + i` and compute it again for the read (with
//! the number, the pointer or neither moved between), and hand pointers to the context,
//! the stack and the data area to helpers that read or write their memory, look values up
//! in a map (of four 16-byte values, laid out one after the other as the VM does), subtract
//! and compare pointers to them.
//! Every accepted program runs in a small interpreter on random contexts and data areas and
//! must never fault: an access outside the context, the data area, the stack or one map
//! value, a write to a read-only context byte or to the data area, a read of an
//! uninitialised register or stack byte, a helper given a context pointer that is not the
//! context. Helpers write random bytes, so a program that lets one overwrite `data` or
//! `data_end` faults on its next access through them; two values of the map are 16 bytes
//! apart, so a program that takes their difference for 0 faults when it uses it.
//!
//! Like `soundness.rs`, the interpreter is independent of the verifier and of `ringfence-vm`.

mod support;

use ringfence_isa::{assemble, AluOp, Imm64Kind, Insn, Semantics, Source};
use ringfence_verifier::{
    verify, Access, ArgKind, ContextLayout, HelperSig, MapDef, ProgramType, RetKind, ReturnRange,
    VerifierConfig,
};
use support::{alu, holds, Rng};

// ---- The program type ---------------------------------------------------------------------

/// The context: `pid` (4 bytes at 0, read-only), `len` (4 bytes at 4, at most `MAX_DATA`:
/// a string length a program may add to `data`), `verdict` (8 bytes at 8, writable), `data`
/// at 16 and `data_end` at 24.
const CTX_SIZE: u64 = 32;
const MAX_DATA: u64 = 64;
const WRITABLE: std::ops::Range<u64> = 8..16;

const HELPER_LOOKUP: i32 = 1;
const HELPER_TRACE: i32 = 6;
const HELPER_FILL: i32 = 100;
const HELPER_CTX: i32 = 8;

fn program_type() -> ProgramType {
    let layout = ContextLayout::new(CTX_SIZE as u32)
        .field("pid", 0, 4, Access::Read)
        .bounded_field("len", 4, 4, MAX_DATA)
        .field("verdict", 8, 8, Access::ReadWrite)
        .data_area(16, 24, MAX_DATA as u32);
    ProgramType::with_context("event", layout, ReturnRange::ANY)
        .with_helper(
            HELPER_LOOKUP,
            HelperSig::new(
                "map_lookup_elem",
                &[ArgKind::Map, ArgKind::MapKey],
                RetKind::NullableMapValue,
            ),
        )
        .with_helper(
            HELPER_TRACE,
            HelperSig::new("trace", &[ArgKind::MemRead, ArgKind::Size], RetKind::Scalar),
        )
        .with_helper(
            HELPER_FILL,
            HelperSig::new("fill", &[ArgKind::MemWrite, ArgKind::Size], RetKind::Scalar),
        )
        .with_helper(
            HELPER_CTX,
            HelperSig::new(
                "field_of",
                &[ArgKind::Context, ArgKind::Scalar],
                RetKind::Scalar,
            ),
        )
}

/// Map 0: 4-byte keys, 16-byte values, four of them (keys 0 to 3; others are absent).
const VALUE_SIZE: u64 = 16;
const N_VALUES: u64 = 4;

fn verifier_config() -> VerifierConfig {
    VerifierConfig {
        maps: vec![MapDef {
            key_size: 4,
            value_size: VALUE_SIZE as u32,
            read_only: false,
        }],
        ..VerifierConfig::default()
    }
}

// ---- The interpreter ----------------------------------------------------------------------

/// The map's values, one after the other; a map reference (`map_fd`) is `MAP_REF`.
const VALUES: u64 = 0x4000_0000;
const MAP_REF: u64 = 0x5000_0000;
const CTX: u64 = 0x1000_0000;
const DATA: u64 = 0x3000_0000;
const STACK: u64 = 0x2000_0000;
const STACK_SIZE: usize = 512;

/// Why a run stopped early; printed when the harness fails.
#[derive(Debug)]
#[allow(dead_code)]
enum Fault {
    UninitRegister(usize, u8),
    UninitStack(usize),
    OutOfBounds(usize, u64, u64),
    ReadOnly(usize, u64),
    NotTheContext(usize, u64),
    TooManySteps(u64),
    Invalid(usize),
}

/// The memory of one run: the context, the data area and the stack (with which bytes are
/// initialised).
struct Machine {
    ctx: [u8; CTX_SIZE as usize],
    data: Vec<u8>,
    stack: [u8; STACK_SIZE],
    init: [bool; STACK_SIZE],
    values: [u8; (VALUE_SIZE * N_VALUES) as usize],
}

/// Where an access lands: the region and the offset in it.
enum Place {
    Ctx(usize),
    Data(usize),
    Stack(usize),
    Value(usize),
}

impl Machine {
    fn new(rng: &mut Rng) -> Machine {
        // Short data areas half the time: an access a few bytes too far faults only there.
        let len = if rng.chance(50) {
            rng.below(12)
        } else {
            rng.below(MAX_DATA + 1)
        };
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let mut ctx = [0u8; CTX_SIZE as usize];
        ctx[0..4].copy_from_slice(&(rng.next() as u32).to_le_bytes());
        // The bounded field: anything up to its bound, often at the edges.
        let any = rng.below(MAX_DATA + 1);
        let str_len = *rng.pick(&[0, MAX_DATA, len, any]);
        ctx[4..8].copy_from_slice(&(str_len as u32).to_le_bytes());
        ctx[8..16].copy_from_slice(&rng.next().to_le_bytes());
        ctx[16..24].copy_from_slice(&DATA.to_le_bytes());
        ctx[24..32].copy_from_slice(&(DATA + len).to_le_bytes());
        Machine {
            ctx,
            data,
            stack: [0; STACK_SIZE],
            init: [false; STACK_SIZE],
            values: std::array::from_fn(|_| rng.next() as u8),
        }
    }

    fn place(&self, addr: u64, n: u64, pc: usize) -> Result<Place, Fault> {
        let inside = |base: u64, len: u64| {
            addr >= base && addr.checked_add(n).is_some_and(|end| end <= base + len)
        };
        if n == 0 {
            return Err(Fault::OutOfBounds(pc, addr, n));
        }
        if inside(CTX, CTX_SIZE) {
            Ok(Place::Ctx((addr - CTX) as usize))
        } else if inside(DATA, self.data.len() as u64) {
            Ok(Place::Data((addr - DATA) as usize))
        } else if inside(STACK, STACK_SIZE as u64) {
            Ok(Place::Stack((addr - STACK) as usize))
        } else if inside(VALUES, VALUE_SIZE * N_VALUES)
            && (addr - VALUES) / VALUE_SIZE == (addr + n - 1 - VALUES) / VALUE_SIZE
        {
            // Inside one value: the verifier's proof is per value, not for the whole map.
            Ok(Place::Value((addr - VALUES) as usize))
        } else {
            Err(Fault::OutOfBounds(pc, addr, n))
        }
    }

    fn read(&self, addr: u64, n: u64, pc: usize) -> Result<Vec<u8>, Fault> {
        let n_usize = n as usize;
        Ok(match self.place(addr, n, pc)? {
            Place::Ctx(o) => self.ctx[o..o + n_usize].to_vec(),
            Place::Data(o) => self.data[o..o + n_usize].to_vec(),
            Place::Value(o) => self.values[o..o + n_usize].to_vec(),
            Place::Stack(o) => {
                if self.init[o..o + n_usize].iter().any(|i| !i) {
                    return Err(Fault::UninitStack(pc));
                }
                self.stack[o..o + n_usize].to_vec()
            }
        })
    }

    fn write(&mut self, addr: u64, bytes: &[u8], pc: usize) -> Result<(), Fault> {
        let n = bytes.len();
        match self.place(addr, n as u64, pc)? {
            Place::Ctx(o) => {
                if !(o as u64..(o + n) as u64).all(|b| WRITABLE.contains(&b)) {
                    return Err(Fault::ReadOnly(pc, addr));
                }
                self.ctx[o..o + n].copy_from_slice(bytes);
            }
            Place::Data(_) => return Err(Fault::ReadOnly(pc, addr)),
            Place::Value(o) => self.values[o..o + n].copy_from_slice(bytes),
            Place::Stack(o) => {
                self.stack[o..o + n].copy_from_slice(bytes);
                self.init[o..o + n].iter_mut().for_each(|i| *i = true);
            }
        }
        Ok(())
    }
}

/// Runs `insns` on `machine`; returns the number of instructions executed.
fn run(insns: &[Insn], machine: &mut Machine, limit: u64, rng: &mut Rng) -> Result<u64, Fault> {
    let mut regs: [Option<u64>; 11] = [None; 11];
    regs[1] = Some(CTX);
    regs[10] = Some(STACK + STACK_SIZE as u64);
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
            Semantics::Load { size, signed } => {
                let addr = get(&regs, insn.src)?.wrapping_add(insn.off as i64 as u64);
                let n = size.bytes() as u64;
                let mut v = 0u64;
                for (i, b) in machine.read(addr, n, pc)?.iter().enumerate() {
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
                let n = size.bytes();
                machine.write(addr, &v.to_le_bytes()[..n as usize], pc)?;
            }
            Semantics::LoadImm64 { kind } => {
                let value = match kind {
                    Imm64Kind::Value => insn.imm as u64,
                    Imm64Kind::MapFd => MAP_REF,
                    // The value of key 0, at the offset in the high half.
                    Imm64Kind::MapValue => VALUES + ((insn.imm as u64) >> 32),
                };
                regs[insn.dst as usize] = Some(value);
            }
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
                let (r1, r2) = (get(&regs, 1)?, get(&regs, 2));
                let mut r0 = rng.next();
                match i32::try_from(insn.imm).unwrap_or(-1) {
                    HELPER_LOOKUP if r1 != MAP_REF => return Err(Fault::Invalid(pc)),
                    HELPER_LOOKUP => {
                        let key = machine.read(r2?, 4, pc)?;
                        let key = u32::from_le_bytes(key.try_into().unwrap()) as u64;
                        r0 = if key < N_VALUES {
                            VALUES + key * VALUE_SIZE
                        } else {
                            0
                        };
                    }
                    HELPER_TRACE => {
                        machine.read(r1, r2?, pc)?;
                    }
                    HELPER_FILL => {
                        let bytes: Vec<u8> = (0..r2?).map(|_| rng.next() as u8).collect();
                        machine.write(r1, &bytes, pc)?;
                    }
                    HELPER_CTX if r1 != CTX => return Err(Fault::NotTheContext(pc, r1)),
                    HELPER_CTX => {}
                    _ => return Err(Fault::Invalid(pc)),
                }
                for r in regs.iter_mut().take(6).skip(1) {
                    *r = None;
                }
                regs[0] = Some(r0);
            }
            Semantics::Exit => {
                get(&regs, 0)?;
                return Ok(steps);
            }
            _ => return Err(Fault::Invalid(pc)),
        }
        pc = next;
    }
}

// ---- The generator ------------------------------------------------------------------------

/// A random event program biased toward the edges of the context, the data area and the
/// helpers' memory arguments. `r6` holds the context throughout (helpers clobber `r1`-`r5`).
fn generate(rng: &mut Rng, id: usize) -> String {
    let mut out = String::from("r6 = r1\nr0 = 0\nr7 = 0\nr8 = 0\nr9 = 0\n");
    if rng.chance(40) {
        // Two map values to subtract and compare.
        out += &lookup(rng, "r8", &format!("P{id}_8"));
        out += &lookup(rng, "r9", &format!("P{id}_9"));
    }
    let sizes = ["u8", "u16", "u32", "u64"];
    let n = 1 + rng.below(5);
    for k in 0..n {
        let label = format!("L{id}_{k}");
        match rng.below(18) {
            9 | 10 => {
                // A lookup (of a key that may be absent) kept in r8 or r9, or the value
                // `map_value` names, then read.
                let keep = rng.pick(&["r8", "r9"]);
                out += &lookup(rng, keep, &label);
                let sz = rng.pick(&sizes);
                out += &format!("r0 = *({sz} *)({keep} + {})\n", rng.below(17));
            }
            11 => {
                // Two value pointers: their difference added to the context pointer, or
                // their order guarding a read past the context's end (fine only where the
                // verifier proves the read never runs).
                if rng.chance(50) {
                    out += "r5 = r8\nr5 -= r9\nr4 = r6\nr4 += r5\n";
                    out += &format!("r0 = *(u8 *)(r4 + {})\n", rng.below(32));
                } else {
                    let cond = rng.pick(&["==", "!=", "<", ">=", "<="]);
                    out += &format!("if r8 {cond} r9 goto {label}\n");
                    out += &format!("r0 = *(u8 *)(r6 + {})\n{label}:\n", 32 + rng.below(8));
                }
            }
            0 => {
                // A context field, at an offset near the fields' edges, maybe a store.
                let off = *rng.pick(&[0u64, 4, 8, 12, 16, 20, 24, 28, 31]);
                let sz = rng.pick(&sizes);
                if rng.chance(30) {
                    out += &format!("*({sz} *)(r6 + {off}) = r7\n");
                } else {
                    out += &format!("r7 = *({sz} *)(r6 + {off})\n");
                }
            }
            1 | 2 => {
                // data + k checked against data_end, then an access at data + j.
                let k = rng.below(10);
                let j = rng.below(10);
                let sz = rng.pick(&sizes);
                let cond = rng.pick(&[">", ">", ">=", "s>", "=="]);
                let (data, end) = if rng.chance(10) { (24, 16) } else { (16, 24) };
                out += &format!("r2 = *(u64 *)(r6 + {data})\nr3 = *(u64 *)(r6 + {end})\n");
                out += &format!("r4 = r2\nr4 += {k}\nif r4 {cond} r3 goto {label}\n");
                out += &format!("r0 = *({sz} *)(r2 + {j})\n{label}:\n");
            }
            3 | 12 | 13 => {
                // data + the bounded length (or another value), checked, then read; or,
                // half the time, a second bounded variable step from the checked pointer
                // first (a new base, which inherits the checked bytes less the step's most).
                let src = rng.pick(&["*(u32 *)(r6 + 4)", "*(u32 *)(r6 + 0)", "r7"]);
                let step = rng.chance(50);
                let extra = rng.below(if step { 12 } else { 3 });
                out += &format!("r5 = {src}\n");
                if rng.chance(30) {
                    out += &format!("r5 &= {}\n", rng.pick(&[7u64, 63, 127, 255]));
                }
                out += "r2 = *(u64 *)(r6 + 16)\nr3 = *(u64 *)(r6 + 24)\nr2 += r5\n";
                out += &format!("r4 = r2\nr4 += {extra}\nif r4 > r3 goto {label}\n");
                if step {
                    let by = rng.pick(&["*(u32 *)(r6 + 0)", "r7"]);
                    let mask = rng.pick(&[1u64, 3, 7]);
                    let shift = rng.pick(&[0i64, 1, -4]);
                    out += &format!("r5 = {by}\nr5 &= {mask}\nr5 += {shift}\n");
                    let &(op, start) = rng.pick(&[("+=", 0), ("-=", 4), ("-=", 8)]);
                    out += &format!("r2 += {start}\nr2 {op} r5\n");
                    let sz = rng.pick(&sizes);
                    let (sign, j) = *rng.pick(&[('-', 1), ('+', 0), ('+', 1), ('+', 3)]);
                    out += &format!("r0 = *({sz} *)(r2 {sign} {j})\n{label}:\n");
                } else {
                    out += &format!("r0 = *(u8 *)(r2 + {})\n{label}:\n", rng.below(2));
                }
            }
            14..=17 => {
                // clang's rematerialised sum: `p + i` checked, then computed again and read,
                // with (sometimes) the number, the pointer or the constant changed between.
                let src = rng.pick(&["*(u32 *)(r6 + 4)", "*(u32 *)(r6 + 0)", "r7"]);
                let mask = rng.pick(&[7u64, 15, 63]);
                let k = 1 + rng.below(8);
                out += &format!("r5 = {src}\nr5 &= {mask}\n");
                out += "r2 = *(u64 *)(r6 + 16)\nr3 = *(u64 *)(r6 + 24)\n";
                if rng.chance(30) {
                    out += &format!("r2 += {}\n", rng.below(3));
                }
                out += "r4 = r2\nr4 += r5\n";
                out += &format!("r1 = r4\nr1 += {k}\nif r1 > r3 goto {label}\n");
                match rng.below(8) {
                    0 => out += "r5 += 1\n",
                    1 => out += "r5 = *(u32 *)(r6 + 4)\nr5 &= 63\n",
                    2 => out += "r2 += 1\n",
                    3 => out += "r8 = r5\nr5 = r8\n",
                    4 => out += "*(u64 *)(r10 - 8) = r5\nr5 += 2\nr5 = *(u64 *)(r10 - 8)\n",
                    _ => {}
                }
                match rng.below(10) {
                    0 | 1 => out += "r4 = r5\nr4 += r2\n",
                    2 => out += "r4 = r2\nr4 -= r5\n",
                    _ => out += "r4 = r2\nr4 += r5\n",
                }
                let sz = rng.pick(&sizes);
                out += &format!("r0 = *({sz} *)(r4 + {})\n{label}:\n", rng.below(4));
            }
            4 | 5 => {
                // A helper that writes (fill) or reads (trace) memory, given the context,
                // the stack or the data area, a constant or a bounded size.
                let helper = if rng.chance(60) {
                    HELPER_FILL
                } else {
                    HELPER_TRACE
                };
                match rng.below(3) {
                    0 => out += &format!("r1 = r6\nr1 += {}\n", rng.pick(&[0u64, 4, 8, 12, 16])),
                    1 => out += &format!("r1 = r10\nr1 += -{}\n", rng.pick(&[8u64, 16, 24, 64])),
                    _ => {
                        out += "r1 = *(u64 *)(r6 + 16)\nr3 = *(u64 *)(r6 + 24)\n";
                        out += &format!("r4 = r1\nr4 += 8\nif r4 > r3 goto {label}\n");
                    }
                }
                if rng.chance(70) {
                    out += &format!("r2 = {}\n", rng.pick(&[1u64, 4, 8, 9, 16, 17, 32]));
                } else {
                    out += &format!("r2 = r7\nr2 &= {}\n", rng.pick(&[7u64, 15, 31]));
                    out += &format!("if r2 == 0 goto {label}\n");
                }
                out += &format!("call {helper}\n{label}:\n");
            }
            6 => {
                // The context helper, given the context or a pointer near it.
                let moved = *rng.pick(&[0u64, 0, 0, 8]);
                out += &format!("r1 = r6\nr1 += {moved}\nr2 = 1\ncall {HELPER_CTX}\n");
            }
            7 => {
                // A stack slot written, maybe, then read.
                let off = *rng.pick(&[8u64, 16, 24]);
                if rng.chance(60) {
                    out += &format!("*(u64 *)(r10 - {off}) = r7\n");
                }
                out += &format!("r8 = *(u64 *)(r10 - {off})\n");
            }
            _ => {
                let op = rng.pick(&["+=", "&=", "|=", "*=", ">>="]);
                out += &format!("r7 {op} {}\n", rng.below(70));
            }
        }
    }
    out += "exit\n";
    out
}

/// Code that sets `keep` to a value of the map: most often a lookup's (the program ends
/// if the key is absent), else the one `map_value` names.
fn lookup(rng: &mut Rng, keep: &str, label: &str) -> String {
    if rng.chance(20) {
        return format!("{keep} = map_value(0, {}) ll\n", rng.below(17));
    }
    let key = rng.pick(&["0", "1", "3", "4", "r7"]);
    let mut out = format!("r2 = {key}\n*(u32 *)(r10 - 4) = r2\n");
    out += "r1 = map_fd(0) ll\nr2 = r10\nr2 += -4\ncall 1\n";
    if rng.chance(90) {
        out += &format!("if r0 != 0 goto {label}_found\nr0 = 0\nexit\n{label}_found:\n");
    }
    out + &format!("{keep} = r0\n")
}

#[test]
fn accepted_event_programs_never_fault() {
    // Longer runs: RINGFENCE_SOUNDNESS_PROGRAMS=100000 RINGFENCE_SOUNDNESS_SEED=7.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut rng = Rng(0x5eed_c0de_e7e7_0001 ^ env("RINGFENCE_SOUNDNESS_SEED", 0));
    let ptype = program_type();
    let config = verifier_config();
    let (mut accepted, mut runs) = (0, 0);
    let total = env("RINGFENCE_SOUNDNESS_PROGRAMS", 10000) as usize;
    for id in 0..total {
        let text = generate(&mut rng, id);
        let prog = assemble("gen.s", &text).unwrap_or_else(|e| panic!("{}\n{text}", e.render()));
        let Ok(verified) = verify(&prog.insns, &ptype, &config) else {
            continue;
        };
        accepted += 1;
        for _ in 0..4 {
            let mut machine = Machine::new(&mut rng);
            runs += 1;
            if let Err(fault) = run(
                &prog.insns,
                &mut machine,
                verified.worst_case_insns(),
                &mut rng,
            ) {
                panic!(
                    "accepted program faulted: {fault:?}\ndata area {} bytes, len {}\n{text}",
                    machine.data.len(),
                    u32::from_le_bytes(machine.ctx[4..8].try_into().unwrap())
                );
            }
        }
    }
    println!("{accepted} of {total} generated event programs accepted, {runs} runs, no fault");
    assert!(accepted > total / 10, "only {accepted} of {total} accepted");
}

/// The harness can fail: the hole this file was written after (a helper given the context
/// as its output buffer, overwriting `data`), run in its interpreter, faults.
#[test]
fn the_interpreter_faults_on_a_helper_overwriting_data() {
    let text =
        "r6 = r1\nr1 = r6\nr2 = 32\ncall 100\nr2 = *(u64 *)(r6 + 16)\nr0 = *(u8 *)(r2 + 0)\nexit\n";
    let prog = assemble("hole.s", text).unwrap();
    let mut rng = Rng(1);
    let mut machine = Machine::new(&mut rng);
    let fault = run(&prog.insns, &mut machine, 100, &mut rng).unwrap_err();
    assert!(matches!(fault, Fault::ReadOnly(3, _)), "{fault:?}");
    assert!(verify(&prog.insns, &program_type(), &verifier_config()).is_err());
}
