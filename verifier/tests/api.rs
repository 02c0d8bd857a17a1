//! The public API beyond verdicts: what a `VerifiedProgram` reports, errors for programs
//! the assembler cannot express, and the rendering of a diagnostic.

use ringfence_isa::{assemble, Insn, Op};
use ringfence_verifier::{
    verify, ArgKind, HelperSig, ProgramType, RetKind, VerifierConfig, VerifyErrorKind,
};

fn mem(len: u64) -> ProgramType {
    ProgramType::mem(len).with_helper(
        5,
        HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar),
    )
}

#[test]
fn a_verified_program_reports_its_facts() {
    let prog = assemble(
        "t.s",
        "r1 = 1\n*(u64 *)(r10 - 16) = r1\ncall f\nexit\nf:\n*(u64 *)(r10 - 40) = r1\nr0 = 0\nexit\n",
    )
    .unwrap();
    let v = verify(&prog.insns, &mem(0), &VerifierConfig::default()).unwrap();
    assert_eq!(v.insns(), &prog.insns[..]);
    assert_eq!(v.n_insns(), 7);
    assert_eq!(v.worst_case_insns(), 7);
    assert_eq!(v.prog_type().name, "mem");
    let usage: Vec<(usize, u32)> = v
        .stack_usage()
        .iter()
        .map(|s| (s.func_start, s.bytes))
        .collect();
    assert_eq!(usage, vec![(0, 16), (4, 40)]);
}

#[test]
fn the_worst_case_limit_is_enforced() {
    let prog = assemble("t.s", "r0 = 0\nl:\nr0 += 1\nif r0 < 100 goto l\nexit\n").unwrap();
    let config = VerifierConfig {
        max_worst_case: Some(100),
        ..VerifierConfig::default()
    };
    let e = verify(&prog.insns, &mem(0), &config).unwrap_err();
    assert_eq!(e.kind, VerifyErrorKind::TooManyInsns { worst_case: 202 });
}

#[test]
fn malformed_programs_are_rejected_with_typed_errors() {
    let exit = Insn::new(Op::Exit);
    let e = verify(&[], &mem(0), &VerifierConfig::default()).unwrap_err();
    assert_eq!(e.kind, VerifyErrorKind::EmptyProgram);
    // A local call out of the program.
    let call = Insn::new(Op::CallLocal).imm(100);
    let e = verify(&[call, exit], &mem(0), &VerifierConfig::default()).unwrap_err();
    assert_eq!(e.kind, VerifyErrorKind::BadCallTarget { target: 101 });
    assert_eq!(e.insn_idx, 0);
    // A register that does not exist.
    let bad = Insn::new(Op::Mov64Imm).dst(11);
    let e = verify(&[bad, exit], &mem(0), &VerifierConfig::default()).unwrap_err();
    assert_eq!(e.kind, VerifyErrorKind::InvalidInstruction);
    // An lddw without its second slot.
    let lddw = Insn::new(Op::Lddw).imm(5);
    let e = verify(&[lddw], &mem(0), &VerifierConfig::default()).unwrap_err();
    assert_eq!(e.kind, VerifyErrorKind::InvalidInstruction);
}

#[test]
fn a_diagnostic_reads_in_one_go() {
    let prog = assemble(
        "t.s",
        "r2 = *(u8 *)(r1 + 0)\nif r2 > 9 goto out\nr1 += r2\nr0 = *(u64 *)(r1 + 0)\nexit\nout:\nr0 = 0\nexit\n",
    )
    .unwrap();
    let e = verify(&prog.insns, &mem(16), &VerifierConfig::default()).unwrap_err();
    let text = e.to_string();
    let expected = "\
error[OutOfBounds]: memory access out of bounds
  at slot 3: r0 = *(u64 *)(r1 + 0)
  fact: r1: pointer to buffer, offset in [0, 9]
  fact: offset 9 + 0 + 8 = 17 > buffer size 16
  path: 1 not taken
  help: bound the offset with a comparison that excludes the out-of-range values";
    assert_eq!(text, expected);
}

#[test]
fn recursion_names_the_cycle() {
    let prog = assemble(
        "t.s",
        "call f\nr0 = 0\nexit\nf:\ncall g\nexit\ng:\ncall f\nexit\n",
    )
    .unwrap();
    let e = verify(&prog.insns, &mem(0), &VerifierConfig::default()).unwrap_err();
    assert_eq!(
        e.kind,
        VerifyErrorKind::Recursion {
            cycle: vec![3, 5, 3]
        }
    );
    assert!(e.to_string().contains("f3 -> f5 -> f3"), "{e}");
}

#[test]
fn a_misaligned_atomic_names_the_address_and_the_fix() {
    for (source, address, size) in [
        (
            "r2 = 1\nlock *(u64 *)(r1 + 4) += r2\nr0 = 0\nexit",
            "r1 + 4",
            8,
        ),
        (
            "r2 = 0\n*(u64 *)(r10 - 8) = r2\nlock *(u32 *)(r10 - 6) += w2\nr0 = 0\nexit",
            "r10 - 6",
            4,
        ),
    ] {
        let prog = assemble("t.s", source).unwrap();
        let e = verify(&prog.insns, &mem(16), &VerifierConfig::default()).unwrap_err();
        assert_eq!(e.kind, VerifyErrorKind::MisalignedAtomic { size });
        let text = e.to_string();
        assert!(
            text.contains(&format!(
                "atomic accesses must be aligned to their size: make the address, {address}, \
                 a multiple of {size}"
            )),
            "{text}"
        );
    }
}

/// A helper signature that gives memory without its size (or more than five arguments)
/// cannot be checked: every call of that helper is refused, naming the argument.
#[test]
fn a_helper_signature_without_a_size_for_its_memory_is_refused() {
    use ArgKind::*;
    let program = assemble("t.s", "r1 = r10\nr1 += -8\nr2 = 8\n*(u64 *)(r10 - 8) = r2\nr3 = 1\nr4 = 1\nr5 = r1\ncall 9\nr0 = 0\nexit\n").unwrap();
    let verdict = |args: &[ArgKind]| {
        let prog_type =
            ProgramType::mem(0).with_helper(9, HelperSig::new("h", args, RetKind::Scalar));
        verify(&program.insns, &prog_type, &VerifierConfig::default())
            .map(|_| ())
            .map_err(Box::new)
    };
    assert!(verdict(&[MemRead, Size]).is_ok());
    for (args, arg) in [
        (&[MemRead, Scalar][..], 1),
        (&[Scalar, Scalar, Scalar, Scalar, MemRead], 5),
        (&[MemWrite], 1),
        (&[Scalar, Scalar, Scalar, Scalar, Scalar, Scalar], 6),
    ] {
        let error = verdict(args).unwrap_err();
        assert_eq!(
            error.kind,
            VerifyErrorKind::HelperArgument { arg },
            "{args:?}"
        );
        assert!(error.to_string().contains("signature"), "{error}");
    }
}

/// A context layout the host could not honour is refused before any analysis, naming the
/// fields: a second `data`/`data_end` pair (the host sets one; the analysis would trust a
/// pointer the caller wrote into the other), fields that overlap the data pointers (a
/// writable one would let the program write a pointer's bytes, a bounded one would be checked
/// on bytes the host then overwrites), a field past the end.
#[test]
fn malformed_context_layouts_are_refused_before_any_analysis() {
    use ringfence_verifier::{Access, ContextLayout, ReturnRange};
    let program = assemble("t.s", "r0 = 0\nexit\n").unwrap();
    let verdict = |layout: ContextLayout| {
        let prog_type = ProgramType::with_context("t", layout, ReturnRange::ANY);
        verify(&program.insns, &prog_type, &VerifierConfig::default())
            .map(|_| ())
            .map_err(|e| (e.kind.clone(), e.to_string()))
    };
    assert!(verdict(
        ContextLayout::new(32)
            .data_area(0, 8, 64)
            .field("pid", 16, 4, Access::Read)
    )
    .is_ok());
    let malformed = [
        (
            ContextLayout::new(32)
                .data_area(0, 8, 64)
                .data_area(16, 24, 64),
            "2 data and 2 data_end",
        ),
        (
            ContextLayout::new(32)
                .data_area(0, 8, 64)
                .field("v", 4, 8, Access::ReadWrite),
            "fields data and v overlap",
        ),
        (
            ContextLayout::new(32)
                .data_area(0, 8, 64)
                .bounded_field("len", 8, 4, 64),
            "fields data_end and len overlap",
        ),
        (
            ContextLayout::new(16).field("pid", 12, 8, Access::Read),
            "past the context's 16 bytes",
        ),
        (
            ContextLayout::new(16).bounded_field("len", 0, 3, 9),
            "not 1, 2, 4 or 8",
        ),
    ];
    for (layout, why) in malformed {
        let (kind, message) = verdict(layout).unwrap_err();
        assert!(
            matches!(kind, VerifyErrorKind::BadProgramType { .. }),
            "{why}: {kind:?}"
        );
        assert!(message.contains(why), "{why}: {message}");
    }
}
