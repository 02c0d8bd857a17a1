//! The bench pack (`benches/pack50/`): its 50 C rules load as one pack, and their native Rust
//! twins (`benches/support/pack50_native.rs`, the limit `benches/engine.rs` measures the
//! engine against) give the same verdict, rule by rule, on every event: generated telemetry
//! with many attacks, and for every rule an event built from its `rules.txt` line to match
//! it. So the bench compares the same work, and a rule that never fires is not a blind spot.

#[path = "../benches/support/pack50_native.rs"]
mod pack50_native;

use ringfence_vm::engine::{Engine, Timing};
use ringfence_vm::event::{EventBuf, SchemaSet};
use ringfence_vm::synth::{Synth, SynthConfig};
use serde_json::{json, Value};

use pack50_native::{native_pack, pack_dir};

/// For the rule on `line` of rules.txt, events that must match it (the last one, for a
/// stateful rule), built from its parameters.
fn positives(line: &str) -> Vec<Value> {
    let parts: Vec<&str> = line.split('|').collect();
    let param = |i: usize| parts.get(3 + i).copied().unwrap_or("");
    let first = |i: usize| param(i).split(';').next().unwrap_or("").to_string();
    let exec = |fields: Value| {
        let mut event =
            json!({"type": "process_exec", "pid": 7, "exe": "/usr/bin/true", "args": ["true"]});
        event
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        event
    };
    match parts[1] {
        "exe_prefix" => vec![exec(json!({"exe": format!("{}x", first(0))}))],
        "exe_suffix_arg_prefix" => vec![exec(json!({
            "exe": format!("/opt/bin{}", first(0)),
            "args": ["x", format!("{}y", first(1))]
        }))],
        "exe_suffix_arg_contains" => vec![exec(json!({
            "exe": format!("/opt/bin{}", first(0)),
            "args": ["x", format!("a{}b", first(1))]
        }))],
        "parent_glob_exe_suffix" => vec![exec(json!({
            "parent_exe": first(0).replace('*', "x"),
            "exe": format!("/opt/bin{}", first(1))
        }))],
        "container_tty_exe_suffix" => vec![exec(json!({
            "exe": format!("/opt/bin{}", first(0)), "tty": "pts/1", "container_id": "c0ffee"
        }))],
        "socket_stdio_exe_suffix" => vec![exec(json!({
            "exe": format!("/opt/bin{}", first(0)), "stdin_type": 4, "stdout_type": 4
        }))],
        "first_byte" => {
            let mut event = json!({"type": param(0), "pid": 7, "exe": "/usr/bin/true", "cwd": "/"});
            event[param(1)] = json!("relative/x");
            vec![event]
        }
        "open_path" => {
            let mask: u32 = param(2).parse().unwrap();
            vec![json!({"type": "file_open", "pid": 7, "exe": "/tmp/evil",
                        "path": format!("{}x", first(0)), "flags": if mask == 0 { 0 } else { mask }})]
        }
        "connect_port" => {
            let dport: u16 = if param(0).is_empty() {
                4242
            } else {
                first(0).parse().unwrap()
            };
            let exe = if param(1).is_empty() {
                "/tmp/x".to_string()
            } else {
                format!("/opt/bin{}", first(1))
            };
            vec![
                json!({"type": "network_connect", "pid": 7, "exe": exe, "daddr": "203.0.113.9",
                        "dport": dport, "protocol": 6}),
            ]
        }
        "auth_user" => vec![json!({"type": "auth_attempt", "pid": 7, "user": first(0),
                                   "service": param(1), "saddr": "198.51.100.1", "success": false})],
        "auth_burst" => {
            let n: usize = param(1).parse().unwrap();
            vec![
                json!({"type": "auth_attempt", "pid": 7, "user": "root", "service": param(0),
                        "saddr": "198.51.100.77", "success": false});
                n
            ]
        }
        other => panic!("rules.txt: unknown template {other}"),
    }
}

#[test]
fn the_native_twins_agree_with_the_c_rules_rule_by_rule() {
    let schemas = SchemaSet::endpoint();
    let engine = Engine::builder().timing(Timing::Off).build().unwrap();
    let info = engine.load_pack(pack_dir()).unwrap();
    assert_eq!(info.rules.len(), 50);
    let native = native_pack(&schemas);
    let mut evaluator = engine.evaluator();
    let mut buf = EventBuf::new();
    let mut line_no = 0u64;
    let mut hits = [0u32; 50];
    let mut check = |text: &str, hits: &mut [u32; 50]| -> Vec<u32> {
        line_no += 1;
        engine
            .encoder()
            .encode_line(text, line_no as usize, &mut buf)
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        // One clock for both: line number × 1 ms, as in a replay.
        let now = line_no * 1_000_000;
        evaluator.set_clock_ns(Some(now));
        let got = evaluator.evaluate(&buf).unwrap().matched_indices().to_vec();
        let want = native.matches(&buf, now);
        assert_eq!(
            got, want,
            "C rules vs native twins on event {line_no}: {text}"
        );
        for &rule in &got {
            hits[rule as usize] += 1;
        }
        got
    };
    let config = SynthConfig {
        seed: 9,
        attack_per_million: 50_000,
    };
    for line in Synth::new(config).take(4000) {
        check(&line, &mut hits);
    }
    let spec = std::fs::read_to_string(pack_dir().join("rules.txt")).unwrap();
    let rules = spec
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for (index, line) in rules.enumerate() {
        let events = positives(line);
        let mut last = Vec::new();
        for event in &events {
            last = check(&event.to_string(), &mut hits);
        }
        assert!(
            last.contains(&(index as u32)),
            "rule {index} ({line}) does not match the event built to match it: {}",
            events.last().unwrap()
        );
    }
    assert!(hits.iter().all(|&h| h > 0), "{hits:?}");
}
