//! `Rule::evaluate_observed`, the observed run behind `ringfence trace` and test coverage:
//! on every bundled rule and sample event it gives the verdict and alerts `Rule::evaluate`
//! gives (on the default engine), reports every executed instruction once, in order, from
//! the entry, and ends at an `exit`; an event of another type is refused, not run.

use std::path::PathBuf;

use ringfence_isa::{Semantics, N_REGS};
use ringfence_vm::checked::Observer;
use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig};
use ringfence_vm::{RunErrorKind, RunState, Scratch};

#[derive(Default)]
struct Steps(Vec<usize>, Option<u64>);

impl Observer for Steps {
    fn step(&mut self, insn_idx: usize, before: &[u64; N_REGS], _after: &[u64; N_REGS]) {
        self.1.get_or_insert(before[1]);
        self.0.push(insn_idx);
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn observed_runs_agree_with_the_engine_and_report_every_step() {
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let mut n_events = 0;
    for entry in std::fs::read_dir(root().join("examples/events")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let object_path = root().join(format!("examples/rules/{name}.o"));
        if !object_path.is_file() {
            continue; // a plain event log, not a rule's cases
        }
        let object = load_rules(
            &std::fs::read(&object_path).unwrap(),
            &schemas,
            &RuleConfig::default(),
        )
        .unwrap();
        // A second copy, so the stateful rules see the same history on both sides.
        let twin = load_rules(
            &std::fs::read(&object_path).unwrap(),
            &schemas,
            &RuleConfig::default(),
        )
        .unwrap();
        let (rule, twin_rule) = (&object.rules[0], &twin.rules[0]);
        let insns = rule.verified().insns();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let mut buf = EventBuf::new();
            encoder.encode_into(&case["event"], &mut buf).unwrap();
            let mut state = RunState {
                clock_ns: Some(1_000),
                ..RunState::default()
            };
            let mut twin_state = state.clone();
            let mut steps = Steps::default();
            let observed = rule
                .evaluate_observed(&mut buf, &object.maps, &mut state, &mut steps)
                .unwrap();
            let plain = twin_rule
                .evaluate(&mut buf, &twin.maps, &mut twin_state)
                .unwrap();
            assert_eq!(observed, plain, "{name}: {line}");
            assert_eq!(
                state.alerts.alerts(),
                twin_state.alerts.alerts(),
                "{name}: {line}"
            );
            assert_eq!(steps.0.first(), Some(&0), "{name}: starts at the entry");
            let last = *steps.0.last().unwrap();
            assert!(matches!(insns[last].semantics(), Semantics::Exit), "{name}");
            assert!(steps.0.iter().all(|&slot| !insns[slot].lddw_tail), "{name}");
            assert!(steps.1.is_some_and(|ctx| ctx != 0), "{name}: r1 at entry");
            assert!(
                steps.0.len() as u64 <= rule.verified().worst_case_insns(),
                "{name}"
            );
            n_events += 1;
        }
    }
    assert!(n_events >= 50, "{n_events}");
}

#[test]
fn an_event_of_another_type_is_refused_not_run() {
    let schemas = SchemaSet::endpoint();
    let bytes = std::fs::read(root().join("examples/rules/netcat_exec.o")).unwrap();
    let object = load_rules(&bytes, &schemas, &RuleConfig::default()).unwrap();
    let mut buf = EventBuf::new();
    Encoder::new(&schemas)
        .encode_line(
            r#"{"type": "file_open", "path": "/etc/shadow"}"#,
            1,
            &mut buf,
        )
        .unwrap();
    let mut steps = Steps::default();
    let error = object.rules[0]
        .evaluate_observed(&mut buf, &object.maps, &mut RunState::default(), &mut steps)
        .unwrap_err();
    assert!(
        matches!(error.kind, RunErrorKind::BadInput { .. }),
        "{error}"
    );
    assert!(steps.0.is_empty());
}

/// A hand-made event that breaks the entry contract (a string past its bound, a data area
/// past the maximum, a fixed part of another length) is refused with the `BadInput` error
/// `Rule::evaluate_with` gives, before anything runs.
#[test]
fn a_hand_made_event_breaking_the_entry_contract_is_refused_as_by_the_engines() {
    let schemas = SchemaSet::endpoint();
    let layout = schemas.by_name("process_exec").unwrap().1.layout().clone();
    let exe = layout
        .fields
        .iter()
        .find(|f| f.name == "exe")
        .unwrap()
        .offset as usize;
    let bytes = std::fs::read(root().join("examples/rules/exe_first_byte.o")).unwrap();
    let object = load_rules(&bytes, &schemas, &RuleConfig::default()).unwrap();
    let rule = &object.rules[0];
    let event = || {
        let mut buf = EventBuf::new();
        Encoder::new(&schemas)
            .encode_line(
                r#"{"type": "process_exec", "exe": "/usr/bin/ls", "args": ["x"]}"#,
                1,
                &mut buf,
            )
            .unwrap();
        buf
    };
    let mut past_bound = event();
    past_bound.put_fixed(exe, &u32::MAX.to_le_bytes());
    let mut too_long = event();
    too_long.push_data(&vec![b'A'; layout.max_data_len as usize + 1]);
    let mut short = event();
    let fixed = short.fixed().to_vec();
    short.reset(short.type_id(), fixed.len() - 8);
    short.put_fixed(0, &fixed[..fixed.len() - 8]);
    for (what, mut buf) in [
        ("exe.off", past_bound),
        ("data area", too_long),
        ("bytes", short),
    ] {
        let want = rule
            .evaluate_with(&buf, &mut Scratch::new(), None)
            .unwrap_err();
        let mut steps = Steps::default();
        let got = rule
            .evaluate_observed(&mut buf, &object.maps, &mut RunState::default(), &mut steps)
            .unwrap_err();
        assert!(
            matches!(got.kind, RunErrorKind::BadInput { .. }),
            "{what}: {got}"
        );
        assert!(got.to_string().contains(what), "{what}: {got}");
        assert_eq!(got, want, "{what}");
        assert!(steps.0.is_empty(), "{what}: it ran");
    }
}
