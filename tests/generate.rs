//! The synthetic event generator (`ringfence generate`, `ringfence_vm::synth`): the same seed
//! gives the same bytes, every event encodes against the built-in schemas, and under 1% of
//! the events match the bundled example rules, while each example rule matches some.

use std::path::PathBuf;
use std::process::Command;

use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig, RuleObject};
use ringfence_vm::synth::{Synth, SynthConfig};
use ringfence_vm::RunState;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .arg("generate")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn same_seed_same_bytes() {
    let a = generate(&["--events", "3000", "--seed", "42"]);
    let b = generate(&["--events", "3000", "--seed", "42"]);
    let c = generate(&["--events", "3000", "--seed", "43"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 3000);
    // The CLI writes what the library generates.
    let mut lib = Vec::new();
    Synth::new(SynthConfig::with_seed(42))
        .write_events(3000, &mut lib)
        .unwrap();
    assert_eq!(a, lib);
}

#[test]
fn the_committed_sample_is_seed_1() {
    let path = root().join("examples/events/synthetic_1k.jsonl");
    let mut fresh = Vec::new();
    Synth::new(SynthConfig::with_seed(1))
        .write_events(1_000, &mut fresh)
        .unwrap();
    if std::env::var_os("RINGFENCE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap();
    assert!(
        committed == fresh,
        "{} is stale: RINGFENCE_BLESS=1 cargo test --test generate rewrites it",
        path.display()
    );
}

fn example_rules(schemas: &SchemaSet) -> Vec<RuleObject> {
    let mut objects = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("examples/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        objects.push(load_rules(&bytes, schemas, &RuleConfig::default()).unwrap());
    }
    objects
}

#[test]
fn under_one_percent_match_the_bundled_rules_and_every_rule_fires() {
    let schemas = SchemaSet::endpoint();
    let objects = example_rules(&schemas);
    assert!(objects.len() >= 10);
    let encoder = Encoder::new(&schemas);
    let mut buf = EventBuf::new();
    let mut state = RunState::default();
    let n = 40_000;
    let mut matched_events = 0;
    let mut hits = vec![0u32; objects.len()];
    for (i, line) in Synth::new(SynthConfig::with_seed(5)).take(n).enumerate() {
        encoder.encode_line(&line, i + 1, &mut buf).unwrap();
        let mut any = false;
        let type_id = buf.type_id();
        for (o, object) in objects.iter().enumerate() {
            for rule in object.rules.iter().filter(|r| r.event_type == type_id) {
                state.clear();
                if rule.evaluate(&mut buf, &object.maps, &mut state).unwrap() == 1 {
                    any = true;
                    hits[o] += 1;
                }
            }
        }
        matched_events += u32::from(any);
    }
    let rate = matched_events as f64 / n as f64;
    eprintln!("{matched_events} of {n} events match the bundled rules; hits per rule: {hits:?}");
    assert!(rate < 0.01, "{matched_events} of {n} events match: {rate}");
    assert!(
        rate > 0.0005,
        "{matched_events} of {n} events match: too few to test with"
    );
    let silent: Vec<&str> = objects
        .iter()
        .zip(&hits)
        .filter(|(_, &h)| h == 0)
        .map(|(o, _)| o.rules[0].name.as_str())
        .collect();
    assert!(
        silent.is_empty(),
        "rules that never fire on 40k events: {silent:?}"
    );
}
