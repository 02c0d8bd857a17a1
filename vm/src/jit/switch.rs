//! Switch formation: a chain of `jeq` tests of one register against constants, each test
//! falling through to the next, is compiled as one multi-way branch.
//!
//! BPF has no indirect jump, so a C `switch` (and a rule's `if`/`else if` ladder on one
//! field) reaches the JIT as such a chain: a value that matches the last case pays one
//! compare-and-branch per case before it. The chain found here is compiled as a balanced
//! binary search over the case values (`Emitter::switch`): about log2(n) compares, each
//! halving the cases left.
//!
//! Not a jump table: on the JIT bench's `switch_256` (16 cases picked by data the branch
//! predictor cannot learn) cranelift-frontend's `Switch`, which emits one for consecutive
//! values, took 2.5x the time of the plain chain, as nearly every indirect jump
//! mispredicted; the binary search took 0.7x.
//!
//! Better than either, where it applies, is no branch at all ([`switch_table`]): when every
//! arm (each case's code and the default's) is the same few ALU instructions, differing
//! only in their immediates, and then goes to the same join, the switch is one arm whose
//! immediates are read from a table indexed by the tested value (the value's offset from
//! the smallest case; a hole in the cases, or a value outside them, reads the default's
//! row). This is LLVM's sinking of common code into the join followed by its switch to a
//! lookup table, done in one step; an arm of `add`, `xor`, `mov` with per-case constants
//! (a score, a class) is what a hand-written rule's `switch` looks like.
//!
//! The rewrite is exact. The chain's tests are pure and read one register, which no member
//! writes, so testing them all at once is testing them in turn; the first match wins, so a
//! later test of a value already tested is dropped; a value no case matches goes where the
//! last test falls through. The members' own blocks are still compiled, for jumps from
//! elsewhere into the middle of the chain; when nothing else reaches them, Cranelift removes
//! them as unreachable.
//!
//! Only unchecked code forms switches: checked mode charges the instruction budget per
//! block, and the members' blocks would go uncharged.
#![forbid(unsafe_code)]

use ringfence_isa::{AluOp, Cond, Insn, Semantics, Source, Width};

/// The fewest distinct cases worth a switch: below it the chain's compares are as cheap as
/// the switch's range check.
pub(super) const MIN_CASES: usize = 4;

/// The number of cases the binary search tests one by one instead of halving further.
pub(super) const SEARCH_LEAF: usize = 3;

/// A chain of `jeq` tests found at a head slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SwitchChain {
    /// The register tested.
    pub reg: u8,
    /// Whether the tests compare the low 32 bits (`jeq32`) or all 64.
    pub width: Width,
    /// Each case's value (of `width`) and the slot it jumps to, in the chain's order, with
    /// later tests of an already tested value dropped.
    pub cases: Vec<(u64, usize)>,
    /// The slot reached when no case matches: the one after the last member.
    pub default: usize,
    /// The last member's slot (the members are the slots from the head to it).
    pub last_member: usize,
}

/// The register, width and value of a `jeq reg, imm` (the value as the interpreter compares
/// it: the sign-extended immediate, or its low 32 bits for `jeq32`).
fn equality_test(insn: Insn) -> Option<(u8, Width, u64)> {
    match insn.semantics() {
        Semantics::Branch {
            cond: Cond::Eq,
            width,
            source: Source::Imm,
        } => {
            let value = match width {
                Width::W64 => insn.imm as u64,
                Width::W32 => insn.imm as u32 as u64,
            };
            Some((insn.dst, width, value))
        }
        _ => None,
    }
}

/// The chain of `jeq` tests starting at `head`, if it has at least [`MIN_CASES`] distinct
/// cases. `executes(slot)` says whether the slot runs as an instruction (the interpreter
/// would not fault on it); every member must, and every case target must be a slot of the
/// program that is not the tail of an `lddw`.
pub(super) fn switch_chain(
    insns: &[Insn],
    head: usize,
    executes: impl Fn(usize) -> bool,
) -> Option<SwitchChain> {
    let (reg, width, _) = equality_test(*insns.get(head)?)?;
    let mut cases: Vec<(u64, usize)> = Vec::new();
    let mut pc = head;
    while let Some(&insn) = insns.get(pc) {
        match equality_test(insn) {
            Some((r, w, value)) if r == reg && w == width && executes(pc) => {
                let target = insn.jump_target(pc)?;
                let target = usize::try_from(target)
                    .ok()
                    .filter(|&t| t < insns.len() && !insns[t].is_lddw_tail());
                // A bad target ends the chain before it: the member stays a plain branch.
                let Some(target) = target else { break };
                if !cases.iter().any(|&(seen, _)| seen == value) {
                    cases.push((value, target));
                }
                pc += 1;
            }
            _ => break,
        }
    }
    // `pc` is the slot after the last member, where a value no case matches goes.
    if cases.len() < MIN_CASES || pc >= insns.len() || pc == head {
        return None;
    }
    Some(SwitchChain {
        reg,
        width,
        cases,
        default: pc,
        last_member: pc - 1,
    })
}

/// The most cases' range a table spans (rows, before the default's).
pub(super) const MAX_TABLE_SPAN: u64 = 256;

/// The most instructions an arm of a table switch may have.
pub(super) const MAX_ARM_LEN: usize = 8;

/// A switch whose arms differ only in immediates, run as one arm whose immediates come from
/// a table ([`switch_table`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SwitchTable {
    /// The first case of the smallest range that holds them all (wrapping around in the
    /// chain's width): row `v - lo` (wrapping) holds the immediates of the case `v`.
    pub lo: u64,
    /// The rows before the default's: the range's length. Row `span` is the default's, as is
    /// the row of every value in the range that no case names.
    pub span: u64,
    /// The arm: the default's instructions (each `Semantics::Alu`), in order.
    pub arm: Vec<Insn>,
    /// The positions in `arm` whose immediate differs between arms; only these read the
    /// table. Each is an ALU operation whose operand may come from a register (not a
    /// division or modulo, whose immediate the compiler treats apart).
    pub varying: Vec<usize>,
    /// `(span + 1) * varying.len()` operands, row by row: entry `row * varying.len() + j`
    /// is the immediate of position `varying[j]` in that row's arm, as the 64-bit register
    /// value that, given as a register operand, computes what the immediate does (the
    /// immediate sign-extended; a 32-bit operation reads its low half either way).
    pub rows: Vec<u64>,
    /// Where every arm goes when done.
    pub join: usize,
}

/// `value - lo` in the chain's width (the tested value's offset, as the compiled code
/// computes it).
fn wrapping_offset(value: u64, lo: u64, width: Width) -> u64 {
    let offset = value.wrapping_sub(lo);
    match width {
        Width::W64 => offset,
        Width::W32 => offset as u32 as u64,
    }
}

/// The smallest range of the width's values (wrapping around, so that `-2..=1` is four
/// values) that holds every case: its first value and its length, or `None` if that is all
/// 2^64 values. The range starts after the widest gap between neighbouring cases.
fn case_range(chain: &SwitchChain) -> Option<(u64, u64)> {
    let mut values: Vec<u64> = chain.cases.iter().map(|&(value, _)| value).collect();
    values.sort_unstable();
    let modulus: u128 = match chain.width {
        Width::W64 => 1 << 64,
        Width::W32 => 1 << 32,
    };
    let (first, last) = (*values.first()?, *values.last()?);
    // The gap from the last value around to the first, then the gaps between neighbours.
    let mut widest = (modulus - u128::from(last) + u128::from(first), first);
    for pair in values.windows(2) {
        let gap = u128::from(pair[1] - pair[0]);
        if gap > widest.0 {
            widest = (gap, pair[1]);
        }
    }
    let (gap, lo) = widest;
    // The range covers everything but the gap's inner values: `modulus - gap + 1`.
    let span = u64::try_from(modulus - gap + 1).ok()?;
    Some((lo, span))
}

/// An arm: the ALU instructions from `start` (at most [`MAX_ARM_LEN`]), and where it goes
/// after them: the target of the `ja` that ends it, or the slot it falls into.
fn arm(
    insns: &[Insn],
    start: usize,
    executes: &impl Fn(usize) -> bool,
) -> Option<(Vec<Insn>, usize)> {
    let mut body = Vec::new();
    let mut pc = start;
    loop {
        let insn = *insns.get(pc)?;
        if !executes(pc) {
            return None;
        }
        match insn.semantics() {
            Semantics::Alu { .. } if body.len() < MAX_ARM_LEN => {
                body.push(insn);
                pc += 1;
            }
            Semantics::Goto { .. } => {
                let target = usize::try_from(insn.jump_target(pc)?).ok()?;
                let valid = target < insns.len() && !insns[target].is_lddw_tail();
                return valid.then_some((body, target));
            }
            _ => return Some((body, pc)),
        }
    }
}

/// Whether position `insn` of an arm may read its immediate from a table: an operation
/// with an immediate operand whose register form computes the same thing from the
/// immediate's 64-bit value (everything but division and modulo, which the compiler
/// specialises on a constant divisor).
fn may_vary(insn: Insn) -> bool {
    matches!(
        insn.semantics(),
        Semantics::Alu { op, source: Source::Imm, .. }
            if !matches!(op, AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod)
    )
}

/// The table form of `chain`, if its arms allow one: every arm (each case's, and the
/// default's) is found by [`arm`], all have the same length and go to the same join, and
/// at each position the arms' instructions are equal but for immediates that
/// [`may_vary`]; the cases span at most [`MAX_TABLE_SPAN`] values and fill at least a
/// quarter of them. `executes` is as for [`switch_chain`].
pub(super) fn switch_table(
    insns: &[Insn],
    chain: &SwitchChain,
    executes: impl Fn(usize) -> bool,
) -> Option<SwitchTable> {
    let (lo, span) = case_range(chain)?;
    if span > MAX_TABLE_SPAN || span > 4 * chain.cases.len() as u64 {
        return None;
    }
    let (arm_insns, join) = arm(insns, chain.default, &executes)?;
    let mut arms = Vec::with_capacity(chain.cases.len());
    for &(value, target) in &chain.cases {
        let (case_insns, case_join) = arm(insns, target, &executes)?;
        if case_join != join || case_insns.len() != arm_insns.len() {
            return None;
        }
        arms.push((wrapping_offset(value, lo, chain.width), case_insns));
    }
    let mut varying = Vec::new();
    for (position, &insn) in arm_insns.iter().enumerate() {
        let without_imm = |other: Insn| Insn { imm: 0, ..other };
        let mut differs = false;
        for (_, case_insns) in &arms {
            let other = case_insns[position];
            if without_imm(other) != without_imm(insn) {
                return None;
            }
            differs |= other.imm != insn.imm;
        }
        if differs {
            if !may_vary(insn) {
                return None;
            }
            varying.push(position);
        }
    }
    let operands = |arm: &[Insn]| {
        varying
            .iter()
            .map(|&p| arm[p].imm as u64)
            .collect::<Vec<_>>()
    };
    let default_row = operands(&arm_insns);
    let mut rows: Vec<u64> = (0..=span)
        .flat_map(|_| default_row.iter().copied())
        .collect();
    let width = varying.len();
    for (row, case_insns) in &arms {
        let row = *row as usize;
        rows[row * width..(row + 1) * width].copy_from_slice(&operands(case_insns));
    }
    Some(SwitchTable {
        lo,
        span,
        arm: arm_insns,
        varying,
        rows,
        join,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insns(source: &str) -> Vec<Insn> {
        ringfence_isa::assemble("switch.s", source).unwrap().insns
    }

    fn chain(source: &str, head: usize) -> Option<SwitchChain> {
        switch_chain(&insns(source), head, |_| true)
    }

    #[test]
    fn a_chain_of_equality_tests_on_one_register_is_a_switch() {
        let source = "
            jeq %r3, 0, a
            jeq %r3, 1, b
            jeq %r3, -1, a
            jeq %r3, 1, a
            jeq %r3, 7, b
            mov %r0, 9
        a:
            exit
        b:
            mov %r0, 1
            exit
        ";
        assert_eq!(
            chain(source, 0),
            Some(SwitchChain {
                reg: 3,
                width: Width::W64,
                // The second test of 1 is never taken: dropped.
                cases: vec![(0, 6), (1, 7), (u64::MAX, 6), (7, 7)],
                default: 5,
                last_member: 4,
            })
        );
        // From the second member on, three distinct cases are too few.
        assert_eq!(chain(source, 1), None);
    }

    #[test]
    fn a_chain_ends_at_another_register_width_condition_or_instruction() {
        let base = "jeq %r3, 0, z\njeq %r3, 1, z\njeq %r3, 2, z\n";
        for breaker in [
            "jeq %r4, 3, z",
            "jeq32 %r3, 3, z",
            "jne %r3, 3, z",
            "jeq %r3, %r4, z",
            "add %r3, 1",
        ] {
            let source = format!("{base}{breaker}\njeq %r3, 4, z\nmov %r0, 1\nz:\nexit\n");
            assert_eq!(chain(&source, 0), None, "{breaker}");
        }
        let source = format!("{base}jeq %r3, 3, z\nmov %r0, 1\nz:\nexit\n");
        assert_eq!(chain(&source, 0).map(|c| c.cases.len()), Some(4));
    }

    #[test]
    fn jeq32_compares_the_low_half_of_its_immediate() {
        let source = "
            jeq32 %r1, -1, z
            jeq32 %r1, 0, z
            jeq32 %r1, 1, z
            jeq32 %r1, 2, z
            mov %r0, 1
        z:
            exit
        ";
        let found = chain(source, 0).unwrap();
        assert_eq!(found.width, Width::W32);
        assert_eq!(found.cases[0], (0xffff_ffff, 5));
    }

    #[test]
    fn members_that_do_not_execute_or_jump_nowhere_end_the_chain() {
        let source =
            "jeq %r3, 0, z\njeq %r3, 1, z\njeq %r3, 2, z\njeq %r3, 3, z\nmov %r0, 1\nz:\nexit\n";
        let program = insns(source);
        assert!(switch_chain(&program, 0, |_| true).is_some());
        assert_eq!(switch_chain(&program, 0, |slot| slot != 3), None);
        // A last test whose default would fall off the end of the program.
        let tail = insns("jeq %r3, 0, z\njeq %r3, 1, z\njeq %r3, 2, z\nz:\njeq %r3, 3, z\n");
        assert_eq!(switch_chain(&tail, 0, |_| true), None);
    }

    #[test]
    fn a_table_spans_the_smallest_range_of_its_cases_wrapping_around() {
        let range = |width, values: &[u64]| {
            let chain = SwitchChain {
                reg: 3,
                width,
                cases: values.iter().map(|&v| (v, 0)).collect(),
                default: 0,
                last_member: 0,
            };
            case_range(&chain)
        };
        assert_eq!(range(Width::W64, &[5, 3, 9, 4]), Some((3, 7)));
        assert_eq!(
            range(Width::W64, &[1, u64::MAX, 0, u64::MAX - 1]),
            Some((u64::MAX - 1, 4))
        );
        assert_eq!(
            range(Width::W32, &[1, 0xffff_ffff, 0]),
            Some((0xffff_ffff, 3))
        );
        // The range leaves out the widest gap, here from 1 to 0xffff_0000: it wraps.
        assert_eq!(
            range(Width::W32, &[0, 1, 0xffff_0000]),
            Some((0xffff_0000, 0x1_0002))
        );
    }

    #[test]
    fn arms_that_differ_only_in_immediates_make_a_table() {
        let source = "
            jeq %r3, 2, c2
            jeq %r3, 0, c0
            jeq %r3, 4, c4
            jeq %r3, 1, c1
            add %r0, 90
            xor %r0, %r5
            ja join
        c0:
            add %r0, 10
            xor %r0, %r5
            ja join
        c1:
            add %r0, 11
            xor %r0, %r5
            ja join
        c2:
            add %r0, -12
            xor %r0, %r5
            ja join
        c4:
            add %r0, 14
            xor %r0, %r5
        join:
            exit
        ";
        let program = insns(source);
        let chain = switch_chain(&program, 0, |_| true).unwrap();
        let table = switch_table(&program, &chain, |_| true).unwrap();
        assert_eq!((table.lo, table.span, table.join), (0, 5, 18));
        assert_eq!(table.varying, vec![0]);
        // Rows 0 to 4, then the default's; 3 is a hole, so it reads the default's too.
        assert_eq!(table.rows, vec![10, 11, -12i64 as u64, 90, 14, 90]);
        // An arm that goes elsewhere, or does something else, is no table.
        let elsewhere = source.replace(
            "add %r0, 11\n            xor %r0, %r5\n            ja join",
            "add %r0, 11\n            xor %r0, %r5\n            exit",
        );
        assert_ne!(elsewhere, source);
        let program = insns(&elsewhere);
        assert_eq!(switch_table(&program, &chain, |_| true), None);
        let other_op = source.replace("add %r0, 14", "sub %r0, 14");
        let program = insns(&other_op);
        assert_eq!(switch_table(&program, &chain, |_| true), None);
    }
}
