//! Switch formation in the JIT (`jit/switch.rs`) against the checked interpreter, its
//! oracle: a chain of `jeq` tests of one register compiles to one multi-way branch, and
//! when the chain's arms differ only in immediates, to one arm reading them from a table;
//! either way every value goes where the chain sends it and leaves the registers and memory
//! the interpreter leaves.
//!
//! `table_switches_compute_what_their_chains_do` generates chains (seeded; the
//! `RINGFENCE_SWITCH_PROGRAMS=N` environment variable runs N instead of the default) that
//! are tables, and their near misses that must not be: an arm one instruction longer, an arm
//! going elsewhere, an arm with another operation, a varying divisor, cases too sparse.

#[path = "../../tests/support/gen.rs"]
#[allow(dead_code)]
mod gen;

use gen::Rng;
use ringfence_isa::{assemble, Insn};
use ringfence_vm::jit::{JitConfig, JitProgram};
use ringfence_vm::{CheckedInterpreter, Config, Helpers};

fn insns(source: &str) -> Vec<Insn> {
    assemble("switch.s", source).unwrap().insns
}

fn checked_config() -> JitConfig {
    JitConfig {
        checked: true,
        ..JitConfig::default()
    }
}

/// A chain of `jeq` tests of one register against constants compiles to one multi-way
/// branch (`n_switches`) that goes where the chain goes for every value: each case, the
/// values around them, values equal in the low 32 bits only, and the default; with
/// duplicate and negative cases, `jeq32` chains, and a jump from elsewhere into the middle of
/// a chain. Checked mode forms no switch (it charges the budget per block).
#[test]
fn jeq_chains_compile_to_switches_that_branch_as_the_chain_does() {
    // Each case returns its own value; r3 is the 64-bit word at r1, r4 the one after it.
    let tails = "default:\n mov %r0, 100\n exit\n".to_string()
        + &(0..8)
            .map(|k| format!("c{k}:\n mov %r0, {}\n exit\n", 200 + k))
            .collect::<String>();
    let head = "ldxdw %r3, [%r1+0]\nldxdw %r4, [%r1+8]\n";
    let shapes: [(&str, &str, usize); 5] = [
        // Dense cases 0-6: a jump table.
        (
            "dense",
            "jeq %r3, 0, c0\njeq %r3, 1, c1\njeq %r3, 2, c2\njeq %r3, 3, c3\n\
             jeq %r3, 4, c4\njeq %r3, 5, c5\njeq %r3, 6, c6\nja default\n",
            1,
        ),
        // Sparse, negative (sign-extended to 64 bits) and repeated cases: the first wins.
        (
            "sparse",
            "jeq %r3, 1000, c0\njeq %r3, -1, c1\njeq %r3, 7, c2\njeq %r3, 1000, c3\n\
             jeq %r3, -7, c4\njeq %r3, 0x7fffffff, c5\njeq %r3, 8, c6\nja default\n",
            1,
        ),
        // jeq32: the low half of r3 against the low half of the immediate.
        (
            "jeq32",
            "jeq32 %r3, -1, c0\njeq32 %r3, 0, c1\njeq32 %r3, 1, c2\njeq32 %r3, 2, c3\n\
             jeq32 %r3, 0x10, c4\nja default\n",
            1,
        ),
        // r4 == 1 jumps to the chain's fourth test, skipping the first three.
        (
            "entered in the middle",
            "jeq %r4, 1, mid\njeq %r3, 0, c0\njeq %r3, 1, c1\njeq %r3, 2, c2\n\
             mid:\njeq %r3, 3, c3\njeq %r3, 0, c4\njeq %r3, 5, c5\njeq %r3, 6, c6\nja default\n",
            1,
        ),
        // Three distinct cases are too few for a switch.
        (
            "too short",
            "jeq %r3, 0, c0\njeq %r3, 1, c1\njeq %r3, 0, c2\njeq %r3, 2, c3\nja default\n",
            0,
        ),
    ];
    let mut values: Vec<u64> = (0..12).collect();
    for base in [0u64, 0x1_0000_0000, 0xffff_ffff_0000_0000] {
        for low in [
            0u64,
            1,
            2,
            7,
            8,
            0x10,
            1000,
            0x7fff_ffff,
            0xffff_fff9,
            0xffff_ffff,
        ] {
            values.push(base | low);
        }
    }
    values.push(u64::MAX - 6);
    let helpers = Helpers::new();
    for (name, chain, switches) in shapes {
        let program = insns(&format!("{head}{chain}{tails}"));
        // SAFETY: the program reads the 16 bytes at r1, and every run gives it 16 bytes.
        let unchecked =
            unsafe { JitProgram::compile_unverified(&program, &helpers, JitConfig::default()) }
                .unwrap();
        let checked = JitProgram::compile_checked(&program, &helpers, checked_config()).unwrap();
        assert_eq!(unchecked.n_switches(), switches, "{name}");
        assert_eq!(checked.n_switches(), 0, "{name}: checked");
        for &r3 in &values {
            for r4 in [0u64, 1] {
                let mut mem = [r3.to_le_bytes(), r4.to_le_bytes()].concat();
                let expected = CheckedInterpreter::new(&program, &helpers, Config::default())
                    .run_mem(&mut mem);
                for (mode, jit) in [("unchecked", &unchecked), ("checked", &checked)] {
                    let got = jit.run_mem(&mut mem);
                    assert_eq!(got, expected, "{name}, {mode}: r3 = {r3:#x}, r4 = {r4}");
                }
            }
        }
    }
}

/// Immediates for the arms: edge values of both widths, shift amounts past the width.
const IMMS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    7,
    31,
    32,
    63,
    64,
    100,
    -64,
    0x7fff_ffff,
    -0x8000_0000,
    0x1234_5678,
    -0x1234_5678,
];

/// Operations an arm may use: those whose immediate may vary, then division and modulo.
const OPS: &[&str] = &[
    "add", "sub", "mul", "or", "and", "xor", "mov", "lsh", "rsh", "arsh",
];
const DIVIDES: &[&str] = &["div", "mod"];

/// How a generated chain misses being a table, if it does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Miss {
    None,
    LongerArm,
    OtherJoin,
    OtherOp,
    VaryingDivisor,
    Sparse,
}

/// One arm position: the operation (with `32` for the 32-bit form) and its destination;
/// `None` as the immediate means a register operand (`%r5`), the same in every arm.
#[derive(Clone)]
struct Position {
    op: String,
    dst: u8,
    imm: Option<i64>,
}

fn arm_text(arm: &[Position]) -> String {
    arm.iter()
        .map(|p| match p.imm {
            Some(imm) => format!("    {} %r{}, {imm}\n", p.op, p.dst),
            None => format!("    {} %r{}, %r5\n", p.op, p.dst),
        })
        .collect()
}

/// A chain of `jeq` (or `jeq32`) tests of `%r3` with an arm per case and a default arm, the
/// arms joining where `%r0`, `%r3` and `%r5` are stored to the buffer; the values worth
/// testing; and whether it is a table.
fn chain_program(rng: &mut Rng) -> (String, Vec<u64>, Miss) {
    let wide = rng.chance(60);
    let jeq = if wide { "jeq" } else { "jeq32" };
    let miss = *[
        Miss::None,
        Miss::None,
        Miss::None,
        Miss::LongerArm,
        Miss::OtherJoin,
        Miss::OtherOp,
        Miss::VaryingDivisor,
        Miss::Sparse,
    ]
    .get(rng.below(8) as usize)
    .unwrap();
    let lo: i64 = *rng.pick(&[0, 1, 100, -3, -20, 0x7fff_0000, -0x8000_0000, 0x1234]);
    let stride: i64 = if miss == Miss::Sparse { 1000 } else { 1 };
    // Distinct offsets within a span of at most 4n (dense enough), with a repeat sometimes
    // after the first four (fewer distinct cases form no switch).
    // Distinct offsets within a span of at most four times their number (dense enough),
    // then sometimes a repeat or two (the first test of a value wins).
    let n_distinct = 4 + rng.below(9) as usize;
    let span = n_distinct as u64 + rng.below(3 * n_distinct as u64);
    let mut offsets: Vec<i64> = Vec::new();
    while offsets.len() < n_distinct {
        let offset = rng.below(span) as i64 * stride;
        if !offsets.contains(&offset) {
            offsets.push(offset);
        }
    }
    for _ in 0..rng.below(3) {
        let repeat = *rng.pick(&offsets);
        offsets.insert(rng.below(offsets.len() as u64 + 1) as usize, repeat);
    }
    let n_cases = offsets.len();
    let cases: Vec<i64> = offsets.iter().map(|&o| lo.wrapping_add(o)).collect();
    let arm_len = rng.below(5) as usize + usize::from(miss == Miss::VaryingDivisor);
    let template: Vec<Position> = (0..arm_len)
        .map(|_| Position {
            op: format!(
                "{}{}",
                *rng.pick(OPS),
                if rng.chance(40) { "32" } else { "" }
            ),
            dst: *rng.pick(&[0, 0, 3, 5]),
            imm: (!rng.chance(15)).then(|| *rng.pick(IMMS)),
        })
        .collect();
    let fixed: Vec<bool> = (0..arm_len).map(|_| rng.chance(25)).collect();
    let mut arms: Vec<Vec<Position>> = (0..=n_cases)
        .map(|_| {
            template
                .iter()
                .zip(&fixed)
                .map(|(p, &fixed)| Position {
                    imm: p.imm.map(|imm| if fixed { imm } else { *rng.pick(IMMS) }),
                    ..p.clone()
                })
                .collect()
        })
        .collect();
    // An arm no value reaches (a repeated case's) cannot spoil the table: the victim is
    // the default's arm or a first case's.
    let reachable: Vec<usize> = (0..=n_cases)
        .filter(|&k| k == n_cases || !cases[..k].contains(&cases[k]))
        .collect();
    let victim = *rng.pick(&reachable);
    let mut joins = vec!["join"; n_cases + 1];
    match miss {
        Miss::LongerArm => arms[victim].push(Position {
            op: "add".into(),
            dst: 0,
            imm: Some(1),
        }),
        Miss::OtherJoin => joins[victim] = "other",
        Miss::OtherOp if arm_len > 0 => {
            let position = &mut arms[victim][0];
            position.op = if position.op.starts_with("xor") {
                "or".into()
            } else {
                "xor".into()
            };
        }
        Miss::VaryingDivisor => {
            for (k, arm) in arms.iter_mut().enumerate() {
                arm[0] = Position {
                    op: (*rng.pick(DIVIDES)).into(),
                    dst: 0,
                    imm: Some(k as i64 + 2),
                };
            }
        }
        _ => {}
    }
    let mut source = String::from(
        "    ldxdw %r3, [%r1+0]\n    ldxdw %r0, [%r1+8]\n    mov %r5, %r0\n    xor %r5, 0x2d\n",
    );
    for (k, case) in cases.iter().enumerate() {
        source += &format!("    {jeq} %r3, {case}, c{k}\n");
    }
    // The default arm, then the cases' arms; the last falls into the join half the time.
    source += &arm_text(&arms[n_cases]);
    source += &format!("    ja {}\n", joins[n_cases]);
    for k in 0..n_cases {
        source += &format!("c{k}:\n{}", arm_text(&arms[k]));
        if k + 1 < n_cases || joins[k] != "join" || rng.chance(50) {
            source += &format!("    ja {}\n", joins[k]);
        }
    }
    source += "join:\n    stxdw [%r1+16], %r0\n    stxdw [%r1+24], %r3\n    stxdw [%r1+32], %r5\n    exit\n";
    source += "other:\n    mov %r0, 77\n    ja join\n";
    let mut values: Vec<u64> = Vec::new();
    for &case in &cases {
        for delta in [-1i64, 0, 1] {
            let value = case.wrapping_add(delta) as u64;
            // The same low half under other high halves: equal for `jeq32` only.
            values.extend([
                value,
                value as u32 as u64,
                value ^ (0xffff_ffff << 32),
                value ^ (1 << 32),
            ]);
        }
    }
    values.extend([0, u64::MAX, lo.wrapping_sub(1000) as u64, rng.next()]);
    // An arm with another operation is still a table if the two differ only where both
    // could vary; an empty arm has no operation to change.
    let expected = if miss == Miss::OtherOp && arm_len == 0 {
        Miss::None
    } else {
        miss
    };
    (source, values, expected)
}

fn n_programs() -> u64 {
    std::env::var("RINGFENCE_SWITCH_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400)
}

/// Generated chains whose arms differ only in immediates compile to table switches (and
/// their near misses do not), and every value tested leaves `r0`, `r3`, `r5` (stored to the
/// buffer) as the interpreter leaves them: each case, its neighbours, the same low half
/// under other high halves, values far outside the cases. A hole between cases, a repeated
/// case (the first wins) and a value past the cases read the default's row.
#[test]
fn table_switches_compute_what_their_chains_do() {
    let helpers = Helpers::new();
    let mut rng = Rng::new(0x5157_c4ab);
    let (mut tables, mut searches) = (0, 0);
    for program_idx in 0..n_programs() {
        let (source, values, miss) = chain_program(&mut rng);
        let program = insns(&source);
        // SAFETY: the program reads and writes the 40 bytes at r1, and every run gives it 40.
        let jit =
            unsafe { JitProgram::compile_unverified(&program, &helpers, JitConfig::default()) }
                .unwrap();
        let context = format!("program {program_idx} ({miss:?}):\n{source}");
        assert_eq!(jit.n_switches(), 1, "{context}");
        let expected_tables = usize::from(miss == Miss::None);
        assert_eq!(jit.n_switch_tables(), expected_tables, "{context}");
        tables += jit.n_switch_tables();
        searches += 1 - jit.n_switch_tables();
        for &value in &values {
            let initial = [
                value,
                value.rotate_left(17) ^ 0x0123_4567_89ab_cdef,
                0,
                0,
                0,
            ];
            let mut mem: Vec<u8> = initial.iter().flat_map(|w| w.to_le_bytes()).collect();
            let mut expected_mem = mem.clone();
            let expected = CheckedInterpreter::new(&program, &helpers, Config::default())
                .run_mem(&mut expected_mem);
            let got = jit.run_mem(&mut mem);
            assert_eq!(got, expected, "r3 = {value:#x}, {context}");
            assert_eq!(mem, expected_mem, "r3 = {value:#x}, {context}");
        }
    }
    println!("{tables} table switches, {searches} binary searches");
    assert!(tables > 0 && searches > 0);
}
