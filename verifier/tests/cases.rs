//! Runs every verifier case in `tests/cases/*.s`: a program in assembly with its expected
//! verdict in leading comments.
//!
//! ```text
//! # verdict: accept                   (or: # verdict: reject OutOfBounds at 7)
//! # worst-case: 123                   (optional, checked when present)
//! # mem-len: 16                       (optional: the `mem` buffer's size, default 0)
//! # type: event                       (optional: the test event type instead of `mem`)
//! # path: 2 taken, 5 not taken         (optional: the branches on the reported path)
//! # fact: r3: scalar in [0, 9]         (optional, repeatable: a substring of some fact)
//! ```
//!
//! Helpers offered: 1 `map_lookup_elem(map, key) -> nullable value`, 5 `unwind(scalar)`,
//! 6 `trace(mem, size)`, 7 `prandom() -> scalar`, 100 `fill(writable mem, size)`. Maps:
//! 0 (key 4, value 16 bytes), 1 (key 4, value 8 bytes, read-only).
//!
//! `RINGFENCE_BLESS=1` rewrites the expectations from what the verifier produced.

use std::path::PathBuf;
use std::time::Instant;

use ringfence_isa::assemble;
use ringfence_verifier::{
    verify, Access, ArgKind, ContextLayout, HelperSig, MapDef, ProgramType, RetKind, ReturnRange,
    VerifierConfig,
};

fn with_helpers(t: ProgramType) -> ProgramType {
    use ArgKind::*;
    t.with_helper(
        1,
        HelperSig::new("map_lookup_elem", &[Map, MapKey], RetKind::NullableMapValue),
    )
    .with_helper(5, HelperSig::new("unwind", &[Scalar], RetKind::Scalar))
    .with_helper(
        6,
        HelperSig::new("trace", &[MemRead, Size], RetKind::Scalar),
    )
    .with_helper(7, HelperSig::new("prandom", &[], RetKind::Scalar))
    .with_helper(
        100,
        HelperSig::new("fill", &[MemWrite, Size], RetKind::Scalar),
    )
}

fn event_type() -> ProgramType {
    let layout = ContextLayout::new(32)
        .field("pid", 0, 4, Access::Read)
        .field("uid", 4, 4, Access::Read)
        .field("verdict", 8, 8, Access::ReadWrite)
        .data_area(16, 24, 256);
    ProgramType::with_context("event", layout, ReturnRange { min: 0, max: 1 })
}

fn config() -> VerifierConfig {
    VerifierConfig {
        maps: vec![
            MapDef {
                key_size: 4,
                value_size: 16,
                read_only: false,
            },
            MapDef {
                key_size: 4,
                value_size: 8,
                read_only: true,
            },
        ],
        ..VerifierConfig::default()
    }
}

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    headers(text, key).into_iter().next()
}

fn headers<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .filter_map(|l| l.trim_start().strip_prefix('#')?.trim().strip_prefix(key))
        .map(|v| v.trim_start_matches(':').trim())
        .collect()
}

/// What the diagnostic says beyond its kind: the path, rendered, and the facts.
#[derive(Default)]
struct Details {
    path: String,
    facts: Vec<String>,
}

fn outcome(text: &str, name: &str) -> (String, Option<u64>, u128, Details) {
    let mem_len: u64 = header(text, "mem-len").map_or(0, |v| v.parse().unwrap());
    let ptype = match header(text, "type") {
        Some("event") => with_helpers(event_type()),
        _ => with_helpers(ProgramType::mem(mem_len)),
    };
    let prog = assemble(name, text).unwrap_or_else(|e| panic!("{}", e.render()));
    let start = Instant::now();
    let result = verify(&prog.insns, &ptype, &config());
    let micros = start.elapsed().as_micros();
    match result {
        Ok(v) => (
            "accept".to_string(),
            Some(v.worst_case_insns()),
            micros,
            Details::default(),
        ),
        Err(e) => {
            // Every diagnostic renders, naming the instruction.
            assert!(e.to_string().contains(&format!("at slot {}", e.insn_idx)));
            let path = e
                .path
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.insn_idx,
                        if s.taken { "taken" } else { "not taken" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let details = Details {
                path,
                facts: e.facts.clone(),
            };
            (
                format!("reject {} at {}", e.kind.name(), e.insn_idx),
                None,
                micros,
                details,
            )
        }
    }
}

#[test]
fn verifier_cases() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let bless = std::env::var_os("RINGFENCE_BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "s"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let (verdict, worst, micros, details) = outcome(&text, &name);
        if let Some(path) = header(&text, "path") {
            if path != details.path {
                failures.push(format!(
                    "{name}: expected path `{path}`, got `{}`",
                    details.path
                ));
            }
        }
        for fact in headers(&text, "fact") {
            if !details.facts.iter().any(|f| f.contains(fact)) {
                failures.push(format!(
                    "{name}: no fact contains `{fact}`; facts: {:?}",
                    details.facts
                ));
            }
        }
        let want = header(&text, "verdict").unwrap_or("").to_string();
        let want_worst: Option<u64> = header(&text, "worst-case").map(|v| v.parse().unwrap());
        let worst_ok = want_worst.is_none() || want_worst == worst;
        if bless && (want != verdict || !worst_ok || want_worst.is_none() && worst.is_some()) {
            let mut out = String::new();
            let mut wrote = false;
            for line in text.lines() {
                let t = line.trim_start();
                if t.starts_with("# verdict") || t.starts_with("# worst-case") {
                    if !wrote {
                        out.push_str(&format!("# verdict: {verdict}\n"));
                        if let Some(w) = worst {
                            out.push_str(&format!("# worst-case: {w}\n"));
                        }
                        wrote = true;
                    }
                    continue;
                }
                out.push_str(line);
                out.push('\n');
            }
            if !wrote {
                let mut head = format!("# verdict: {verdict}\n");
                if let Some(w) = worst {
                    head.push_str(&format!("# worst-case: {w}\n"));
                }
                out = head + &out;
            }
            std::fs::write(path, out).unwrap();
            continue;
        }
        if want != verdict || !worst_ok {
            failures.push(format!(
                "{name}: expected `{want}` (worst case {want_worst:?}), got `{verdict}` (worst case {worst:?})"
            ));
        }
        if name.contains("million") {
            // Not a timing test (see DESIGN.md), only a guard against unrolling.
            assert!(micros < 5_000_000, "{name} took {micros} us");
        }
    }
    assert!(files.len() >= 20, "only {} cases", files.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
