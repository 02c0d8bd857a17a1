//! Every program of the bpf_conformance suite assembles, and its disassembly, in both
//! syntaxes, assembles back to the same bytes; where a test gives its raw bytes, they match.

use std::path::PathBuf;

use ringfence_isa::{assemble, decode, disassemble, encode, Syntax};

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/tests")
}

/// The text of section `name` (`-- name`) of a `.data` file.
fn section(data: &str, name: &str) -> Option<String> {
    let mut lines = data
        .lines()
        .skip_while(|l| l.trim() != format!("-- {name}"));
    lines.next()?;
    Some(
        lines
            .take_while(|l| !l.starts_with("-- "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[test]
fn every_conformance_program_assembles_and_round_trips() {
    let mut files: Vec<_> = std::fs::read_dir(suite_dir())
        .expect("../shared/conformance/tests is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 313,
        "found only {} conformance files",
        files.len()
    );
    for path in files {
        let data = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let asm = section(&data, "asm").unwrap_or_else(|| panic!("{name}: no asm section"));
        let program = assemble(&name, &asm).unwrap_or_else(|e| panic!("{}", e.render()));
        let bytes = encode(&program.insns);
        assert_eq!(
            decode(&bytes).unwrap(),
            program.insns,
            "{name}: decode(encode(x)) != x"
        );
        for syntax in [Syntax::Clang, Syntax::Conformance] {
            let text = disassemble(&program.insns, syntax);
            let again = assemble(&name, &text).unwrap_or_else(|e| {
                panic!("{name} ({syntax:?}) disassembly:\n{text}\n{}", e.render())
            });
            assert_eq!(
                encode(&again.insns),
                bytes,
                "{name}: {syntax:?} round trip\n{text}"
            );
        }
        if let Some(raw) = section(&data, "raw") {
            let expected: Vec<u8> = raw
                .split_whitespace()
                .flat_map(|w| {
                    u64::from_str_radix(w.trim_start_matches("0x"), 16)
                        .unwrap()
                        .to_le_bytes()
                })
                .collect();
            assert_eq!(
                bytes, expected,
                "{name}: raw section differs from the assembled bytes"
            );
        }
    }
}
