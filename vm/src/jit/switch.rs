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

use ringfence_isa::{Cond, Insn, Semantics, Source, Width};

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
}
