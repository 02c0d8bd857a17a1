//! Every program of the bpf_conformance suite is accepted as a `mem` program with the
//! length of its memory and helper 5 (`unwind`), except those listed in
//! [`EXPECTED_REJECTIONS`] with the reason.

use std::path::PathBuf;

use ringfence_isa::assemble;
use ringfence_verifier::{verify, ArgKind, HelperSig, ProgramType, RetKind, VerifierConfig};

/// Conformance programs the verifier rejects on purpose: (file, error kind, why).
const EXPECTED_REJECTIONS: &[(&str, &str, &str)] = &[];

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
fn conformance_programs_verify() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("../shared/conformance/tests is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    assert!(files.len() >= 313);
    let mut unexpected = Vec::new();
    let mut accepted = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let data = std::fs::read_to_string(path).unwrap();
        let asm = section(&data, "asm").unwrap();
        let mem_len = section(&data, "mem").map_or(0, |m| m.split_whitespace().count()) as u64;
        let prog = assemble(&name, &asm).unwrap_or_else(|e| panic!("{}", e.render()));
        let ptype = ProgramType::mem(mem_len).with_helper(
            5,
            HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar),
        );
        let result = verify(&prog.insns, &ptype, &VerifierConfig::default());
        let expected = EXPECTED_REJECTIONS.iter().find(|(f, _, _)| *f == name);
        match (result, expected) {
            (Ok(_), None) => accepted += 1,
            (Err(e), Some((_, kind, _))) if e.kind.name() == *kind => {}
            (Err(e), _) => unexpected.push(format!("{name}: rejected\n{e}")),
            (Ok(_), Some(_)) => unexpected.push(format!("{name}: accepted, expected a rejection")),
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} accepted; {} unexpected:\n{}",
        accepted,
        unexpected.len(),
        unexpected.join("\n\n")
    );
}
