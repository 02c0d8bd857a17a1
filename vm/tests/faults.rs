//! Run-time faults of the checked interpreter, one file per fault in `tests/cases/faults/`
//! at the workspace root, each with its expectation inline (Cranelift filetest style).
//!
//! Header comment lines a file may hold:
//! - `# mem: 00 01 02`: the input buffer (hex bytes), default empty;
//! - `# max_insns: N`: the instruction budget, default [`Config::default`]'s;
//! - `# expect: fault KIND at instruction N` (or `# expect: r0 = 0x...`): the outcome;
//! - `# message: ...`: the fault's message, with host addresses written `ADDR`.
//!
//! Run with `RINGFENCE_BLESS=1` to rewrite the `expect` and `message` lines from what the
//! interpreter does now.

use std::path::{Path, PathBuf};

use ringfence_vm::{CheckedInterpreter, Config, Helpers};

fn cases_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/faults"
    ))
}

/// The value of the header line `# key: value`, if any.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let prefix = format!("# {key}:");
    text.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .map(str::trim)
}

/// Replaces hex numbers above 0xffff (host addresses) with `ADDR`, so messages are stable.
fn normalize_addresses(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at]);
        let digits: String = rest[at + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        match u64::from_str_radix(&digits, 16) {
            Ok(value) if value > 0xffff => out.push_str("ADDR"),
            _ => {
                out.push_str("0x");
                out.push_str(&digits);
            }
        }
        rest = &rest[at + 2 + digits.len()..];
    }
    out.push_str(rest);
    out
}

/// What running one file gives: the `expect` line and the `message` line (faults only).
fn outcome(path: &Path, text: &str) -> (String, Option<String>) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut mem: Vec<u8> = header(text, "mem")
        .unwrap_or("")
        .split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).expect("mem bytes are hex"))
        .collect();
    let mut config = Config::default();
    if let Some(max_insns) = header(text, "max_insns") {
        config.max_insns = max_insns.parse().expect("max_insns is a number");
    }
    let program = ringfence_isa::assemble(&name, text).unwrap_or_else(|e| panic!("{}", e.render()));
    let interp = CheckedInterpreter::new(&program.insns, &Helpers::conformance(), config);
    match interp.run_mem(&mut mem) {
        Ok(r0) => (format!("r0 = {r0:#x}"), None),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("instruction {}: ", error.insn_idx)),
                "{name}: the message does not name the instruction: {message}"
            );
            (
                format!(
                    "fault {} at instruction {}",
                    error.kind.name(),
                    error.insn_idx
                ),
                Some(normalize_addresses(&message)),
            )
        }
    }
}

/// `text` with its `expect` and `message` lines replaced by these (added after the leading
/// comment block when missing).
fn bless(text: &str, expect: &str, message: Option<&str>) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|line| !line.starts_with("# expect:") && !line.starts_with("# message:"))
        .map(str::to_string)
        .collect();
    let at = lines
        .iter()
        .position(|line| !line.starts_with('#'))
        .unwrap_or(lines.len());
    let mut new_lines = vec![format!("# expect: {expect}")];
    if let Some(message) = message {
        new_lines.push(format!("# message: {message}"));
    }
    lines.splice(at..at, new_lines);
    lines.join("\n") + "\n"
}

#[test]
fn every_fault_file_faults_as_expected() {
    let blessing = std::env::var("RINGFENCE_BLESS").is_ok_and(|v| v == "1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases/faults is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "s"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "only {} fault files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let (expect, message) = outcome(path, &text);
        let expected = header(&text, "expect");
        let expected_message = header(&text, "message");
        let matches = expected == Some(expect.as_str())
            && (message.is_none() || expected_message == message.as_deref());
        if matches {
            continue;
        }
        if blessing {
            std::fs::write(path, bless(&text, &expect, message.as_deref())).unwrap();
        } else {
            failures.push(format!(
                "{name}:\n  expected: {}\n       got: {expect}\n  expected message: {}\n       got message: {}",
                expected.unwrap_or("(no expect line)"),
                expected_message.unwrap_or("(none)"),
                message.as_deref().unwrap_or("(none)")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fault files differ (RINGFENCE_BLESS=1 rewrites them):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// An atomic that straddles two 8-byte words of shared memory (a map value), which only an
/// unverified program can attempt (the verifier requires atomics aligned), is refused with a
/// fault that says so.
#[test]
fn a_shared_atomic_straddling_two_words_is_a_misaligned_atomic() {
    use ringfence_vm::maps::{Map, MapDef, Maps};
    use ringfence_vm::{MemoryRegion, RegionKind};
    let maps = Maps::new([Map::new("counts", MapDef::array(8, 4)).unwrap()]);
    let source = "r1 = map_value(0, 0) ll\nw2 = 1\nlock *(u32 *)(r1 + 6) += w2\nr0 = 0\nexit";
    let insns = ringfence_isa::assemble("t.s", source).unwrap().insns;
    let interp = CheckedInterpreter::with_maps(&insns, &Helpers::new(), &maps, Config::default());
    let map = maps.get(0).unwrap();
    let regions = vec![MemoryRegion::shared(
        RegionKind::MapValue { map_idx: 0 },
        map.value_words(),
        map.value_region().len as usize,
        true,
    )];
    let error = interp.run([0; 5], regions).unwrap_err();
    assert_eq!(error.insn_idx, 3);
    assert_eq!(error.kind.name(), "MisalignedAtomic");
    assert_eq!(
        normalize_addresses(&error.kind.to_string()),
        "4-byte atomic at ADDR straddles two 8-byte words of value of map 0 [ADDR, +32): atomic \
         accesses must be aligned to their size"
    );
}
