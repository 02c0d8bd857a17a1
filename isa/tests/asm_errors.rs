//! Assembler diagnostics, one case per file in `tests/cases/asm/*.s` (Cranelift filetest
//! style): each file holds a deliberate error and, in a leading comment, the message it must
//! produce, `# error: file:line:col: message`.
//!
//! `RINGFENCE_BLESS=1 cargo test -p ringfence-isa --test asm_errors` rewrites the
//! expectations from what the assembler produces.

mod common;

use common::{bless, blessed, case_files, cases_dir, expectation, MARKER};
use ringfence_isa::assemble;

#[test]
fn every_asm_case_fails_with_its_expected_message() {
    let files = case_files(&cases_dir("asm"), "s");
    assert!(files.len() >= 10, "found only {} asm cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let source = std::fs::read_to_string(path).unwrap();
        let err = match assemble(&name, &source) {
            Ok(program) => {
                failures.push(format!(
                    "{name}: assembled ({} slots) but should fail",
                    program.insns.len()
                ));
                continue;
            }
            Err(err) => err,
        };
        let actual = err.to_string();
        let rendered = err.render();
        let caret_line = rendered.lines().find(|l| l.trim_end().ends_with('^'));
        if !caret_line.is_some_and(|l| l.contains(&"^".repeat(err.len.max(1)))) {
            failures.push(format!("{name}: render() shows no caret:\n{rendered}"));
        }
        if !rendered.contains(&format!("{}:{}:{}", err.file, err.line, err.column)) {
            failures.push(format!(
                "{name}: render() does not locate the error:\n{rendered}"
            ));
        }
        if bless() {
            std::fs::write(path, blessed(&source, &actual)).unwrap();
            continue;
        }
        match expectation(&source) {
            Some(expected) if expected == actual => {}
            Some(expected) => failures.push(format!(
                "{name}:\n  expected: {expected}\n  actual:   {actual}\n{rendered}"
            )),
            None => failures.push(format!("{name}: no `{MARKER}` line; actual: {actual}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} asm cases failed (RINGFENCE_BLESS=1 to accept the new messages):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
