//! Decoder diagnostics, one case per file in `tests/cases/decode/*.hex` (Cranelift filetest
//! style): each file holds the bytes of a faulty program, as hexadecimal pairs, and in a
//! leading comment the message decoding must fail with, `# error: message`.
//!
//! `RINGFENCE_BLESS=1 cargo test -p ringfence-isa --test decode_errors` rewrites the
//! expectations from what the decoder produces.

mod common;

use common::{bless, blessed, case_files, cases_dir, expectation, MARKER};
use ringfence_isa::decode;

/// The bytes of a case: every hexadecimal pair outside `#` comments.
fn parse_hex(name: &str, source: &str) -> Vec<u8> {
    source
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .flat_map(str::split_whitespace)
        .map(|pair| {
            u8::from_str_radix(pair, 16)
                .unwrap_or_else(|e| panic!("{name}: `{pair}` is not a hex byte: {e}"))
        })
        .collect()
}

#[test]
fn every_decode_case_fails_with_its_expected_message() {
    let files = case_files(&cases_dir("decode"), "hex");
    assert!(files.len() >= 10, "found only {} decode cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let source = std::fs::read_to_string(path).unwrap();
        let bytes = parse_hex(&name, &source);
        let actual = match decode(&bytes) {
            Ok(insns) => {
                failures.push(format!(
                    "{name}: decoded ({} slots) but should fail",
                    insns.len()
                ));
                continue;
            }
            Err(err) => err.to_string(),
        };
        if bless() {
            std::fs::write(path, blessed(&source, &actual)).unwrap();
            continue;
        }
        match expectation(&source) {
            Some(expected) if expected == actual => {}
            Some(expected) => failures.push(format!(
                "{name}:\n  expected: {expected}\n  actual:   {actual}"
            )),
            None => failures.push(format!("{name}: no `{MARKER}` line; actual: {actual}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} decode cases failed (RINGFENCE_BLESS=1 to accept the new messages):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
