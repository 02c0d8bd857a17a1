//! Parity with LLVM: what llvm-mc 19 accepts for `-triple bpfel -mcpu=v4` assembles here to
//! the same bytes, and what llvm-objdump prints of those bytes assembles back to them.
//!
//! The fixtures in `tests/data` are made by `scripts/rebuild-llvm-mc-fixtures.sh` (which
//! `--check` verifies in CI), so this test needs no LLVM.

use std::path::PathBuf;

use ringfence_isa::{assemble, encode, Assembled, CallKind, Semantics};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("tests/data/{name}: {e}"))
}

fn llvm_bytes() -> Vec<u8> {
    let bytes = std::fs::read(data("llvm_mc.bin")).expect("tests/data/llvm_mc.bin is readable");
    assert_eq!(bytes.len() % 8, 0, "llvm_mc.bin is not whole slots");
    bytes
}

fn assemble_fixture(name: &str) -> (String, Assembled) {
    let source = read(name);
    let program = assemble(name, &source).unwrap_or_else(|e| {
        panic!(
            "llvm-mc accepts {name} but ringfence does not:\n{}",
            e.render()
        )
    });
    (source, program)
}

/// Compares `ours` with llvm's bytes slot by slot, and returns one message per source line
/// whose bytes differ: `file:line: text: ours [..] llvm [..]`.
fn differences(name: &str, source: &str, program: &Assembled, llvm: &[u8]) -> Vec<String> {
    let ours = encode(&program.insns);
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    let mut slot = 0;
    while slot < program.insns.len() {
        let n = program.insns[slot].n_slots();
        let range = slot * 8..(slot + n) * 8;
        let line_no = program.lines[slot];
        let theirs = llvm.get(range.clone()).unwrap_or(&[]);
        if ours[range.clone()] != *theirs {
            out.push(format!(
                "{name}:{line_no}: `{}`: ours {:02x?}, llvm {:02x?}",
                lines[line_no - 1].trim(),
                &ours[range],
                theirs
            ));
        }
        slot += n;
    }
    if ours.len() != llvm.len() {
        out.push(format!(
            "{name}: ours is {} slots, llvm's {} slots",
            ours.len() / 8,
            llvm.len() / 8
        ));
    }
    out
}

#[test]
fn every_line_llvm_mc_accepts_assembles_to_llvm_mc_bytes() {
    let (source, program) = assemble_fixture("llvm_mc.s");
    let diffs = differences("llvm_mc.s", &source, &program, &llvm_bytes());
    assert!(
        diffs.is_empty(),
        "{} lines differ from llvm-mc:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn llvm_objdump_output_assembles_to_the_same_bytes() {
    let (source, program) = assemble_fixture("llvm_objdump.s");
    let llvm = llvm_bytes();
    let diffs = differences("llvm_objdump.s", &source, &program, &llvm);
    // FIXME: llvm-objdump prints a local call (`src` = 1) as `call <imm>`, the spelling of a
    // helper call, so that line alone comes back with `src` = 0; llvm-mc itself does the same.
    // Today's behaviour, asserted: exactly the local calls differ, and only in `src`.
    let local_calls: Vec<usize> = llvm
        .chunks_exact(8)
        .enumerate()
        .filter(|(_, s)| s[0] == 0x85 && s[1] == 0x10)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(local_calls.len(), 1, "llvm_mc.s has one local call");
    assert_eq!(
        diffs.len(),
        local_calls.len(),
        "unexpected differences:\n{}",
        diffs.join("\n")
    );
    let ours = encode(&program.insns);
    for &slot in &local_calls {
        assert_eq!(
            program.insns[slot].semantics(),
            Semantics::Call {
                kind: CallKind::Helper
            }
        );
        let mut patched = ours[slot * 8..slot * 8 + 8].to_vec();
        patched[1] |= 0x10;
        assert_eq!(patched, llvm[slot * 8..slot * 8 + 8], "slot {slot}");
    }
}

#[test]
fn what_llvm_mc_accepts_beyond_rfc_9669_is_rejected_today() {
    // FIXME: may_goto (0xe5), the legacy packet loads (`skb[...]`, 0x20/0x28/0x30/0x40/0x48/
    // 0x50) and addr_space_cast (0xbf, off = 1) are not in the table; each line is rejected
    // with a located error rather than assembled to something else.
    let name = "llvm_mc_unsupported.s";
    let source = read(name);
    let mut n_checked = 0;
    for (i, line) in source.lines().enumerate() {
        let code = line.split('#').next().unwrap_or_default().trim();
        if code.is_empty() {
            continue;
        }
        let err = assemble(name, line).expect_err(line);
        assert_eq!(err.line, 1, "{}: {}", i + 1, err);
        n_checked += 1;
    }
    assert_eq!(n_checked, 5);
}

/// llvm-mc reads `;` as a statement separator, not a comment: so do we.
#[test]
fn semicolon_separates_statements_as_in_llvm_mc() {
    let one_line = ringfence_isa::assemble("t.s", "r1 = 1 ; r2 = 2\nexit").unwrap();
    let two_lines = ringfence_isa::assemble("t.s", "r1 = 1\nr2 = 2\nexit").unwrap();
    assert_eq!(one_line.insns, two_lines.insns);
    assert_eq!(one_line.lines, vec![1, 1, 2]);
}
