//! Property test over the whole table: random programs built from every row, with random
//! operands in every field the row's [`Form`] uses, survive `decode(encode(p))` and, in both
//! syntaxes, `assemble(disassemble(p))`.
//!
//! Jump offsets are arbitrary, so targets may fall outside the program or on the second
//! slot of an `lddw`: neither decoding nor the assembler checks targets (the verifier does).

use proptest::prelude::*;
use proptest::test_runner::Config;

use ringfence_isa::{
    assemble, decode, disassemble, encode, Imm64Kind, Insn, OpInfo, Semantics, Syntax, N_REGS,
    TABLE,
};

/// A valid instruction of `row`: registers in range, random values in the fields the row's
/// form uses, zero elsewhere (the key field is the row's business: `encode` writes it).
fn insn_of(row: &'static OpInfo) -> impl Strategy<Value = Insn> {
    let reg = 0..N_REGS as u8;
    let imm: BoxedStrategy<i64> = match row.semantics {
        Semantics::LoadImm64 {
            kind: Imm64Kind::Value,
        } => any::<i64>().boxed(),
        Semantics::LoadImm64 {
            kind: Imm64Kind::MapFd,
        } => any::<u32>().prop_map(|v| v as i64).boxed(),
        Semantics::LoadImm64 {
            kind: Imm64Kind::MapValue,
        } => any::<i64>().boxed(),
        _ => any::<i32>().prop_map(|v| v as i64).boxed(),
    };
    (reg.clone(), reg, any::<i16>(), imm).prop_map(move |(dst, src, off, imm)| {
        let form = row.form;
        let mut insn = Insn::new(row.op);
        if form.uses_dst() {
            insn.dst = dst;
        }
        if form.uses_src() {
            insn.src = src;
        }
        if form.uses_off() {
            insn.off = off;
        }
        if form.uses_imm() {
            insn.imm = imm;
        }
        insn
    })
}

/// Any instruction: first a row, uniformly, then its operands.
fn any_insn() -> impl Strategy<Value = Insn> {
    (0..TABLE.len()).prop_flat_map(|i| insn_of(&TABLE[i]))
}

/// A program of 1 to 40 instructions, laid out one per slot (an `lddw` followed by its tail).
fn any_program() -> impl Strategy<Value = Vec<Insn>> {
    prop::collection::vec(any_insn(), 1..=40).prop_map(|insns| {
        let mut program = Vec::new();
        for insn in insns {
            program.push(insn);
            if insn.n_slots() == 2 {
                program.push(Insn::lddw_tail_of(insn));
            }
        }
        program
    })
}

fn check_program(program: &[Insn]) -> Result<(), TestCaseError> {
    let bytes = encode(program);
    prop_assert_eq!(bytes.len(), program.len() * 8);
    let decoded = decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&decoded, program, "decode(encode(p)) != p");
    for syntax in [Syntax::Clang, Syntax::Conformance] {
        let text = disassemble(program, syntax);
        let again = assemble("roundtrip.s", &text).map_err(|e| {
            TestCaseError::fail(format!("{syntax:?} disassembly:\n{text}\n{}", e.render()))
        })?;
        prop_assert_eq!(
            encode(&again.insns),
            bytes.clone(),
            "{:?} round trip differs:\n{}",
            syntax,
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 4000, ..Config::default() })]

    #[test]
    fn random_programs_round_trip(program in any_program()) {
        check_program(&program)?;
    }
}

/// Every row, alone and at least once: the random programs above pick rows uniformly, and
/// this makes sure none is skipped whatever the seed, with each operand at its extremes.
#[test]
fn every_row_round_trips_with_extreme_operands() {
    let extremes: [(u8, u8, i16, i64); 4] = [
        (0, 0, 0, 0),
        (10, 10, i16::MAX, i32::MAX as i64),
        (1, 9, i16::MIN, i32::MIN as i64),
        (5, 3, -1, -1),
    ];
    for row in TABLE {
        for (dst, src, off, imm) in extremes {
            let mut insn = Insn::new(row.op);
            let form = row.form;
            if form.uses_dst() {
                insn.dst = dst;
            }
            if form.uses_src() {
                insn.src = src;
            }
            if form.uses_off() {
                insn.off = off;
            }
            if form.uses_imm() {
                insn.imm = imm;
            }
            match row.semantics {
                // The high half of a map_fd load is reserved: only the low half is operand.
                Semantics::LoadImm64 {
                    kind: Imm64Kind::MapFd,
                } => insn.imm = imm as u32 as i64,
                Semantics::LoadImm64 { .. } => insn.imm = imm.wrapping_mul(0x1_0000_0001),
                _ => {}
            }
            let mut program = vec![insn];
            if insn.n_slots() == 2 {
                program.push(Insn::lddw_tail_of(insn));
            }
            check_program(&program).unwrap_or_else(|e| panic!("{}: {e}", row.name));
        }
    }
}
