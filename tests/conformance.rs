//! The bpf_conformance suite in the checked interpreter: every file of
//! `../shared/conformance/tests` is assembled, run over its `-- mem` buffer with the suite's
//! unwind helper as number 5, and its `r0` compared with `-- result` (or, for a file with an
//! `-- error` section, a fault is expected). One test lists every failing file.

use std::path::{Path, PathBuf};

use ringfence_isa::assemble;
use ringfence_vm::{CheckedInterpreter, Config, Helpers};

/// The number of files in the suite; a change means the suite was updated or lost files.
const N_SUITE_FILES: usize = 313;

fn suite_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/tests"
    ))
}

/// One test file, split into the sections the runner uses.
#[derive(Debug, Default)]
struct Case {
    asm: String,
    mem: Vec<u8>,
    result: Option<u64>,
    expects_error: bool,
}

fn parse_case(text: &str) -> Result<Case, String> {
    let mut case = Case::default();
    let mut section = String::new();
    let mut result_text = String::new();
    let mut mem_text = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- ") {
            section = name.trim().to_string();
            if section == "error" {
                case.expects_error = true;
            }
            continue;
        }
        match section.as_str() {
            "asm" => {
                case.asm.push_str(line);
                case.asm.push('\n');
            }
            "mem" => {
                mem_text.push_str(line);
                mem_text.push(' ');
            }
            "result" => {
                result_text.push_str(line);
                result_text.push(' ');
            }
            // `-- c`, `-- raw`, `-- no register offset`, `-- error` text: not needed.
            _ => {}
        }
    }
    case.mem = mem_text
        .split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).map_err(|e| format!("mem byte `{byte}`: {e}")))
        .collect::<Result<_, _>>()?;
    let result_text = result_text.trim();
    if !result_text.is_empty() {
        let digits = result_text.trim_start_matches("0x");
        case.result = Some(
            u64::from_str_radix(digits, 16).map_err(|e| format!("result `{result_text}`: {e}"))?,
        );
    }
    Ok(case)
}

/// Runs one file; `Err` says how it failed.
fn run_file(path: &Path, helpers: &Helpers) -> Result<(), String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut case = parse_case(&text)?;
    let program = assemble(&name, &case.asm).map_err(|e| format!("does not assemble: {e}"))?;
    let interp = CheckedInterpreter::new(&program.insns, helpers, Config::default());
    match (
        interp.run_mem(&mut case.mem),
        case.expects_error,
        case.result,
    ) {
        (Err(_), true, _) => Ok(()),
        (Ok(got), true, _) => Err(format!("expected a fault, got r0 = {got:#x}")),
        (Ok(got), false, Some(expected)) if got == expected => Ok(()),
        (Ok(got), false, Some(expected)) => Err(format!("expected {expected:#x}, got {got:#x}")),
        (Ok(got), false, None) => Err(format!("no `-- result` section; got {got:#x}")),
        (Err(error), false, expected) => Err(format!(
            "expected {}, got a fault: {error}",
            expected.map_or("a result".to_string(), |r| format!("{r:#x}"))
        )),
    }
}

#[test]
fn the_whole_conformance_suite_passes_in_the_checked_interpreter() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(suite_dir())
        .expect("../shared/conformance/tests is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let helpers = Helpers::conformance();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            run_file(path, &helpers)
                .err()
                .map(|why| format!("{}: {why}", path.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} conformance files fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert_eq!(files.len(), N_SUITE_FILES, "the suite changed size");
}
