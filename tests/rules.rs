//! The bundled rules on their sample events: every rule in examples/rules loads, verifies and
//! gives the expected verdict on every event of examples/events/<rule>.jsonl (evaluated in
//! order, sharing the rule's maps, so stateful rules are tested as they run). Every negative
//! case differs from a positive one in exactly one field (or none, for stateful rules): no
//! rule is tested only with wildcards. And the two refused rules are refused, naming the
//! C line or the field. Loop shapes clang emits (tests/data/clang/loops.c) are accepted.

use std::path::{Path, PathBuf};

use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig, RuleError};
use ringfence_vm::RunState;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases(rule: &str) -> Vec<(bool, String, Value)> {
    let path = root().join(format!("examples/events/{rule}.jsonl"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|line| {
            let case: Value = serde_json::from_str(line).unwrap();
            let expect = match case["expect"].as_str() {
                Some("match") => true,
                Some("no match") => false,
                other => panic!("{rule}: expect must be \"match\" or \"no match\", not {other:?}"),
            };
            (
                expect,
                case["why"].as_str().unwrap_or_default().to_string(),
                case["event"].clone(),
            )
        })
        .collect()
}

fn rules_with_events() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples/events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        // Case files are named after their rule; other logs (synthetic_1k) are plain events.
        .filter(|name| root().join(format!("examples/rules/{name}.o")).is_file())
        .collect();
    names.sort();
    names
}

#[test]
fn every_rule_gives_the_expected_verdict_on_its_sample_events() {
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let names = rules_with_events();
    assert!(names.len() >= 10, "{names:?}");
    let mut failures = Vec::new();
    for rule_name in &names {
        let object_path = root().join(format!("examples/rules/{rule_name}.o"));
        let bytes = std::fs::read(&object_path).unwrap();
        let object = match load_rules(&bytes, &schemas, &RuleConfig::default()) {
            Ok(object) => object,
            Err(e) => {
                failures.push(format!("{rule_name}: does not load: {e}"));
                continue;
            }
        };
        let rule = &object.rules[0];
        let mut buf = EventBuf::new();
        let mut state = RunState::default();
        for (n, (expect, why, event)) in cases(rule_name).into_iter().enumerate() {
            encoder.encode_into(&event, &mut buf).unwrap();
            state.clear();
            match rule.evaluate(&mut buf, &object.maps, &mut state) {
                Ok(verdict) if (verdict == 1) == expect => {
                    // A match raises exactly one alert, carrying the rule's id.
                    assert_eq!(
                        state.alerts.alerts().len(),
                        usize::from(expect),
                        "{rule_name} #{n}"
                    );
                }
                Ok(verdict) => failures.push(format!(
                    "{rule_name} case {n} ({why}): expected {}, got {verdict}\n  event: {event}",
                    if expect { "match" } else { "no match" }
                )),
                Err(e) => failures.push(format!("{rule_name} case {n} ({why}): fault: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_negative_case_differs_from_a_positive_one_in_one_field() {
    for rule_name in rules_with_events() {
        let cases = cases(&rule_name);
        let positives: Vec<&Value> = cases.iter().filter(|c| c.0).map(|c| &c.2).collect();
        assert!(!positives.is_empty(), "{rule_name}: no positive case");
        for (_, why, negative) in cases.iter().filter(|c| !c.0) {
            let closest = positives
                .iter()
                .map(|p| differing_fields(p, negative))
                .min_by_key(Vec::len)
                .unwrap();
            assert!(
                closest.len() <= 1,
                "{rule_name}: negative case `{why}` differs from every positive case in more than \
                 one field ({closest:?}): make it a one-field variation"
            );
        }
    }
}

fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn load_refusal(object: &Path, schemas: &SchemaSet) -> RuleError {
    let bytes = std::fs::read(object).unwrap();
    load_rules(&bytes, schemas, &RuleConfig::default()).expect_err("the rule must be refused")
}

#[test]
fn reading_an_event_string_without_a_bounds_check_is_refused_at_its_c_line() {
    let error = load_refusal(
        &root().join("examples/rules/refused/exe_first_byte_unchecked.o"),
        &SchemaSet::endpoint(),
    );
    let RuleError::Rejected {
        error,
        source_lines,
        ..
    } = error
    else {
        panic!("{error}")
    };
    let line = source_lines[error.insn_idx]
        .as_ref()
        .expect("line info for the faulty instruction");
    assert!(
        line.file.ends_with("exe_first_byte_unchecked.c"),
        "{line:?}"
    );
    assert!(line.text.contains("exe"), "{line:?}");
}

#[test]
fn channel_file_291_is_refused_naming_the_21st_field() {
    let text =
        std::fs::read_to_string(root().join("examples/schemas/ipc_template_20.json")).unwrap();
    let host = SchemaSet::from_json_str(&text).unwrap();
    let error = load_refusal(&root().join("examples/rules/cf291/channel_291.o"), &host);
    assert!(matches!(error, RuleError::LayoutMismatch { .. }), "{error}");
    assert!(error.to_string().contains("value_21"), "{error}");
    // Against the 21-field schema it was written for, the same object loads.
    let text =
        std::fs::read_to_string(root().join("examples/schemas/ipc_template_21.json")).unwrap();
    let v2 = SchemaSet::from_json_str(&text).unwrap();
    let bytes = std::fs::read(root().join("examples/rules/cf291/channel_291.o")).unwrap();
    assert!(load_rules(&bytes, &v2, &RuleConfig::default()).is_ok());
}

#[test]
fn the_cf291_header_is_generated_from_its_schema() {
    let text =
        std::fs::read_to_string(root().join("examples/schemas/ipc_template_21.json")).unwrap();
    let set = SchemaSet::from_json_str(&text).unwrap();
    let committed =
        std::fs::read_to_string(root().join("examples/rules/cf291/ipc_template_v2.h")).unwrap();
    assert_eq!(committed, ringfence_vm::event::c_header(&set), "regenerate with `ringfence schema --c-header --schema examples/schemas/ipc_template_21.json`");
}

#[test]
fn a_helper_given_the_id_of_a_field_of_the_wrong_kind_is_refused_at_load() {
    use ringfence_verifier::{verify, VerifierConfig, VerifyErrorKind};
    let schemas = SchemaSet::endpoint();
    let (_, exec) = schemas.by_name("process_exec").unwrap();
    let prog_type = ringfence_vm::rule::event_program_type(exec);
    let program = |field: u32| {
        let text = format!(
            "*(u64 *)(r10 - 8) = 0\n r2 = {field}\n r3 = r10\n r3 += -8\n r4 = 1\n call 1000\n r0 = 0\n exit\n"
        );
        ringfence_isa::assemble("t.s", &text).unwrap().insns
    };
    let exe = exec.field_id("exe").unwrap();
    assert!(verify(&program(exe), &prog_type, &VerifierConfig::default()).is_ok());
    let pid = exec.field_id("pid").unwrap();
    let error = verify(&program(pid), &prog_type, &VerifierConfig::default()).unwrap_err();
    assert_eq!(
        error.kind,
        VerifyErrorKind::HelperArgument { arg: 2 },
        "{error}"
    );
    assert!(
        error.to_string().contains("pass one of the constants"),
        "{error}"
    );
}

/// Loop shapes clang-19 emits for ordinary C (tests/data/clang/loops.c), each refused by an
/// earlier verifier: they load, verify and give the verdict their C says.
#[test]
fn clang_loop_shapes_verify_and_run() {
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let bytes = std::fs::read(root().join("tests/data/clang/loops.o")).unwrap();
    let object = load_rules(&bytes, &schemas, &RuleConfig::default())
        .unwrap_or_else(|e| panic!("tests/data/clang/loops.o: {e}"));
    let event = |pid: u32, ppid: u32, exe: &str, args: &[&str]| {
        serde_json::json!({
            "type": "process_exec", "pid": pid, "ppid": ppid, "uid": 0, "gid": 0,
            "exe": exe, "args": args, "cwd": "/", "parent_exe": "/usr/bin/bash",
            "tty": "", "container_id": "", "stdin_type": 3, "stdout_type": 3
        })
    };
    let deep = "/opt/a/b/c/d/e/f/tool";
    let cases = [
        // The array holds zeros: a parent pid of 0 is found in the first slot.
        ("scan_recent", event(7, 0, "/bin/ls", &["ls"]), 1),
        ("scan_recent", event(7, 5, "/bin/ls", &["ls"]), 0),
        ("scan_recent", event(32, 0, "/bin/ls", &["ls"]), 0),
        (
            "slashes_in_window",
            event(7, 5, deep, &["tool", &"x".repeat(80)]),
            1,
        ),
        (
            "slashes_in_window",
            event(7, 5, "/opt/tool", &["tool", &"x".repeat(80)]),
            0,
        ),
        ("spaced_args", event(7, 5, "/bin/sh", &["sh -c a b c d"]), 1),
        ("spaced_args", event(7, 5, "/bin/sh", &["sh -c a"]), 0),
        (
            "dash_e_arg",
            event(7, 5, "/bin/perl", &["perl", "-e", "print 1", "/tmp"]),
            1,
        ),
        (
            "dash_e_arg",
            event(7, 5, "/bin/perl", &["perl", "-x", "print-e", "/tmp"]),
            0,
        ),
    ];
    let mut buf = EventBuf::new();
    let mut state = RunState::default();
    let mut failures = Vec::new();
    for (name, event, expect) in cases {
        let rule = object.rules.iter().find(|r| r.name == name).unwrap();
        encoder.encode_into(&event, &mut buf).unwrap();
        state.clear();
        match rule.evaluate(&mut buf, &object.maps, &mut state) {
            Ok(verdict) if verdict == expect => {}
            other => failures.push(format!(
                "{name} on {event}: expected {expect}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
