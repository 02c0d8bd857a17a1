//! Assembler diagnostics, one case per file in `tests/cases/asm/*.s` (Cranelift filetest
//! style): each file holds a deliberate error and, in a leading comment, the message it must
//! produce, `# error: file:line:col: message`.
//!
//! `RINGFENCE_BLESS=1 cargo test -p ringfence-isa --test asm_errors` rewrites the
//! expectations from what the assembler produces.

use std::path::{Path, PathBuf};

use ringfence_isa::assemble;

const MARKER: &str = "# error: ";

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/asm")
}

fn bless() -> bool {
    std::env::var_os("RINGFENCE_BLESS").is_some_and(|v| v == "1")
}

/// The case files with the given extension, sorted.
fn case_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// The expectation of a case: the text after `# error: ` in its leading comment.
fn expectation(source: &str) -> Option<&str> {
    source
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(MARKER))
}

/// `source` with its expectation replaced by (or, if it has none, preceded by) `actual`.
fn blessed(source: &str, actual: &str) -> String {
    let line = format!("{MARKER}{actual}");
    let mut replaced = false;
    let mut out: Vec<String> = source
        .lines()
        .map(|l| {
            if !replaced && l.starts_with(MARKER) {
                replaced = true;
                line.clone()
            } else {
                l.to_string()
            }
        })
        .collect();
    if !replaced {
        out.insert(0, line);
    }
    out.join("\n") + "\n"
}

#[test]
fn every_asm_case_fails_with_its_expected_message() {
    let files = case_files(&cases_dir(), "s");
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
            failures.push(format!("{name}: render() does not locate the error:\n{rendered}"));
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
