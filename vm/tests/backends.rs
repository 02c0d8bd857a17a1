//! Rules on every backend: the JIT, the fast interpreter and the checked interpreter agree,
//! and no backend can be made to read outside an event's buffers.
//!
//! - every example rule (`examples/rules/*.o`) on every sample event of its type
//!   (`examples/events/*.jsonl`, all files, test cases and bare events, in order, each
//!   backend with its own maps): the
//!   same verdict or error, the same alerts and trace lines, and the same map contents after
//!   every event;
//! - hand-made events (`EventBuf::put_fixed`) with string offsets and lengths past their
//!   bound, a data area past its maximum, or of another event type: refused with `BadInput`
//!   before any backend runs; offsets within their bound but past the data area: every
//!   backend gives the checked interpreter's answer (the rule's own `data_end` check, or the
//!   helper's descriptor check, stops it);
//! - `Rule` is `Send + Sync` and evaluates on many threads at once.

use std::path::PathBuf;

use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, Rule, RuleConfig, RuleObject};
use ringfence_vm::{Backend, RunError, RunErrorKind, RunState, Scratch};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Every example rule object, by name.
fn example_objects() -> Vec<(String, Vec<u8>)> {
    let mut objects: Vec<(String, Vec<u8>)> = std::fs::read_dir(root().join("examples/rules"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "o"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    objects.sort();
    objects
}

/// Every sample event of every file, in file order.
fn sample_events() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples/events"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        for (n, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let case: Value = serde_json::from_str(line).unwrap();
            // A test case (`{"expect": ..., "event": {...}}`) or a bare event.
            let event = match case.get("event") {
                Some(event) => event.clone(),
                None => case,
            };
            events.push((format!("{name}.jsonl #{n}"), event));
        }
    }
    events
}

fn load(bytes: &[u8], backend: Backend) -> RuleObject {
    let config = RuleConfig {
        backend,
        ..RuleConfig::default()
    };
    load_rules(bytes, &SchemaSet::endpoint(), &config).unwrap()
}

/// The backends this host runs (every one but the JIT where it has none).
fn available_backends() -> impl Iterator<Item = Backend> {
    Backend::ALL
        .into_iter()
        .filter(|&backend| backend != Backend::Jit || Backend::jit_available())
}

/// The example rule objects `names` (from `examples/rules/`), loaded for `backend`.
fn load_examples(names: &[&str], backend: Backend) -> Vec<RuleObject> {
    names
        .iter()
        .map(|name| {
            let bytes = std::fs::read(root().join(format!("examples/rules/{name}.o"))).unwrap();
            load(&bytes, backend)
        })
        .collect()
}

/// The most bytes `event`'s data area may hold, by the host's schema.
fn max_data_len(event: &str) -> u32 {
    SchemaSet::endpoint()
        .by_name(event)
        .unwrap()
        .1
        .layout()
        .max_data_len
}

/// What one evaluation showed: the verdict or error, alerts, trace, and every map's entries.
fn observe(
    rule: &Rule,
    object: &RuleObject,
    event: &EventBuf,
    scratch: &mut Scratch,
    clock_ns: u64,
) -> String {
    let mut state = RunState {
        clock_ns: Some(clock_ns),
        random: 0x1234_5678,
        ..RunState::default()
    };
    let result = rule.evaluate_with(event, scratch, Some(&mut state));
    let mut maps = Vec::new();
    for map in object.maps.iter() {
        let mut entries = map.entries();
        entries.sort();
        maps.push((map.name().to_string(), entries));
    }
    format!(
        "{:?}\nalerts {:?}\ntrace {:?}\nmaps {maps:?}",
        result.map_err(|e| e.kind.name()),
        state.alerts.alerts(),
        state.trace
    )
}

#[test]
fn every_example_rule_agrees_on_every_sample_event_across_backends() {
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let events = sample_events();
    let objects = example_objects();
    assert!(objects.len() >= 10 && events.len() >= 50);
    let mut scratch = Scratch::new();
    let mut buf = EventBuf::new();
    let mut compared = 0;
    for (name, bytes) in &objects {
        let engines: Vec<(Backend, RuleObject)> = available_backends()
            .map(|backend| (backend, load(bytes, backend)))
            .collect();
        for (backend, object) in &engines {
            assert!(object.rules.iter().all(|rule| rule.backend() == *backend));
        }
        for (n, (event_name, event)) in events.iter().enumerate() {
            encoder.encode_into(event, &mut buf).unwrap();
            for rule_idx in 0..engines[0].1.rules.len() {
                if engines[0].1.rules[rule_idx].event_type != buf.type_id() {
                    continue;
                }
                // A clock that moves a second per event, so windows open and close.
                let clock = 1_000_000_000 * n as u64;
                let outcomes: Vec<(Backend, String)> = engines
                    .iter()
                    .map(|(backend, object)| {
                        let rule = &object.rules[rule_idx];
                        (*backend, observe(rule, object, &buf, &mut scratch, clock))
                    })
                    .collect();
                for (backend, outcome) in &outcomes[1..] {
                    assert_eq!(
                        outcome, &outcomes[0].1,
                        "{name} on {event_name}: {backend} differs from {}",
                        outcomes[0].0
                    );
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 50, "only {compared} evaluations compared");
}

/// The offset of field `name`'s first byte in `event`'s layout.
fn field_offset(event: &str, name: &str) -> usize {
    let schemas = SchemaSet::endpoint();
    let (_, schema) = schemas.by_name(event).unwrap();
    let layout = schema.layout();
    let field = layout.fields.iter().find(|f| f.name == name).unwrap();
    field.offset as usize
}

fn exe_first_byte_event(exe: &str) -> EventBuf {
    let schemas = SchemaSet::endpoint();
    let mut buf = EventBuf::new();
    let line = format!(r#"{{"type": "process_exec", "exe": "{exe}", "args": ["x"]}}"#);
    Encoder::new(&schemas)
        .encode_line(&line, 1, &mut buf)
        .unwrap();
    buf
}

/// Every backend's answer to `event` with the rules of `object_name`.
fn answers(object_name: &str, event: &EventBuf) -> Vec<(Backend, Result<u64, RunError>)> {
    let bytes = std::fs::read(root().join(format!("examples/rules/{object_name}.o"))).unwrap();
    let mut scratch = Scratch::new();
    available_backends()
        .map(|backend| {
            let object = load(&bytes, backend);
            let rule = &object.rules[0];
            let mut state = RunState::default();
            (
                backend,
                rule.evaluate_with(event, &mut scratch, Some(&mut state)),
            )
        })
        .collect()
}

fn assert_bad_input(object_name: &str, event: &EventBuf, says: &str) {
    for (backend, answer) in answers(object_name, event) {
        match answer {
            Err(RunError {
                kind: RunErrorKind::BadInput { reason },
                ..
            }) => assert!(reason.contains(says), "{backend}: {reason}"),
            other => panic!("{backend}: expected BadInput ({says}), got {other:?}"),
        }
    }
}

#[test]
fn hand_made_events_with_strings_past_their_bounds_are_refused_before_any_backend_runs() {
    let max = max_data_len("process_exec");
    let exe = field_offset("process_exec", "exe");
    // An offset far past the data area (the encoder never writes one): a rule may add it to
    // `data` without comparing it first, so no backend may run on it.
    for (at, value, says) in [
        (exe, u32::MAX, "exe.off"),
        (exe, max + 1, "exe.off"),
        (exe + 4, max + 1, "exe.len"),
        (exe + 4, u32::MAX, "exe.len"),
    ] {
        let mut event = exe_first_byte_event("/usr/bin/ls");
        event.put_fixed(at, &value.to_le_bytes());
        assert_bad_input("exe_first_byte", &event, says);
        assert_bad_input("exec_from_dev_shm", &event, says);
    }
    // A data area longer than the schema's maximum.
    let mut event = exe_first_byte_event("/usr/bin/ls");
    event.push_data(&vec![b'A'; max as usize + 1]);
    assert_bad_input("exe_first_byte", &event, "data area");
    // An event of another type, however its bytes look.
    let mut event = exe_first_byte_event("/usr/bin/ls");
    let fixed = event.fixed().to_vec();
    event.reset(event.type_id() + 1, fixed.len());
    event.put_fixed(0, &fixed);
    assert_bad_input("exe_first_byte", &event, "type");
    // A fixed part of another length.
    let mut event = exe_first_byte_event("/usr/bin/ls");
    let fixed = event.fixed().to_vec();
    event.reset(event.type_id(), fixed.len() - 8);
    event.put_fixed(0, &fixed[..fixed.len() - 8]);
    assert_bad_input("exe_first_byte", &event, "bytes");
}

/// The JIT compiles `rf_str_eq`, `_prefix` and `_suffix` of a literal inline (`jit/sites.rs`),
/// comparing 8, 4, 2 and 1 bytes at a time: strings of every length around each pattern's
/// (`netcat_exec`'s suffixes are 3, 5, 7 and 15 bytes long, `exec_from_dev_shm`'s prefix
/// 9), matching or off by their first or last byte, get the checked interpreter's answer.
#[test]
fn inline_string_tests_agree_at_every_length_around_their_patterns() {
    let mut exes = vec![String::new()];
    for pattern in ["/nc", "/ncat", "/netcat", "/nc.traditional", "/dev/shm/"] {
        for prefix in ["", "x", "/usr/bin"] {
            for cut in 0..=2 {
                let kept = &pattern[cut.min(pattern.len())..];
                exes.push(format!("{prefix}{kept}"));
                exes.push(format!("{prefix}{kept}X"));
                exes.push(format!("{kept}{prefix}"));
            }
            let mut wrong_first = pattern.to_string().into_bytes();
            wrong_first[0] ^= 1;
            exes.push(format!(
                "{prefix}{}",
                String::from_utf8(wrong_first).unwrap()
            ));
        }
    }
    let schemas = SchemaSet::endpoint();
    let rules: Vec<(&str, Vec<(Backend, RuleObject)>)> = ["netcat_exec", "exec_from_dev_shm"]
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(root().join(format!("examples/rules/{name}.o"))).unwrap();
            let objects = available_backends()
                .map(|backend| (backend, load(&bytes, backend)))
                .collect();
            (name, objects)
        })
        .collect();
    let mut scratch = Scratch::new();
    let mut compared = 0;
    let mut matched = 0;
    for exe in &exes {
        for args in [r#"["-e", "/bin/sh"]"#, r#"["-l"]"#] {
            let line =
                format!(r#"{{"type": "process_exec", "exe": "{exe}/x/../{exe}", "args": {args}}}"#);
            let line_exact =
                format!(r#"{{"type": "process_exec", "exe": "{exe}", "args": {args}}}"#);
            for line in [line, line_exact] {
                let mut event = EventBuf::new();
                Encoder::new(&schemas)
                    .encode_line(&line, 1, &mut event)
                    .unwrap();
                for (object_name, objects) in &rules {
                    let answers: Vec<(Backend, Result<u64, RunError>)> = objects
                        .iter()
                        .map(|(backend, object)| {
                            let mut state = RunState::default();
                            let rule = &object.rules[0];
                            let answer = rule.evaluate_with(&event, &mut scratch, Some(&mut state));
                            (*backend, answer)
                        })
                        .collect();
                    let checked = &answers.last().unwrap().1;
                    for (backend, answer) in &answers {
                        assert_eq!(answer, checked, "{object_name}, {line}: {backend}");
                    }
                    compared += 1;
                    matched += usize::from(checked == &Ok(1));
                }
            }
        }
    }
    // The cases reach both answers.
    assert!(
        matched > 20 && matched < compared - 20,
        "{matched} of {compared}"
    );
}

#[test]
fn strings_within_their_bounds_but_outside_the_data_area_get_the_checked_answer_everywhere() {
    let max = max_data_len("process_exec");
    let exe = field_offset("process_exec", "exe");
    let data_len = exe_first_byte_event("/usr/bin/ls").data_len() as u32;
    for (off, len) in [
        (max, 0),
        (max, max),
        (max - 1, 1),
        (data_len, 1),
        (data_len - 1, 2),
        (0, max),
        (0, data_len + 1),
        (0, 0),
    ] {
        let mut event = exe_first_byte_event("/usr/bin/ls");
        event.put_fixed(exe, &off.to_le_bytes());
        event.put_fixed(exe + 4, &len.to_le_bytes());
        for object_name in [
            "exe_first_byte",
            "exec_from_dev_shm",
            "webshell_recon",
            "netcat_exec",
        ] {
            let answers = answers(object_name, &event);
            let checked = &answers.last().unwrap().1;
            for (backend, answer) in &answers {
                assert_eq!(
                    answer.as_ref().map_err(|e| e.kind.name()),
                    checked.as_ref().map_err(|e| e.kind.name()),
                    "{object_name}, exe at {off} +{len}: {backend} differs from the checked \
                     interpreter"
                );
            }
        }
    }
}

#[test]
fn rules_are_send_and_sync_and_evaluate_on_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Rule>();
    assert_send_sync::<RuleObject>();
    fn assert_send<T: Send>() {}
    assert_send::<Scratch>();
    let bytes = std::fs::read(root().join("examples/rules/exec_from_dev_shm.o")).unwrap();
    let object = load(&bytes, Backend::default());
    let rule = &object.rules[0];
    let hit = exe_first_byte_event("/dev/shm/x");
    let miss = exe_first_byte_event("/usr/bin/x");
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let mut scratch = Scratch::new();
                for _ in 0..200 {
                    assert_eq!(rule.evaluate_with(&hit, &mut scratch, None), Ok(1));
                    assert_eq!(rule.evaluate_with(&miss, &mut scratch, None), Ok(0));
                }
            });
        }
    });
}

#[test]
fn the_default_backend_is_the_jit_where_the_host_has_one() {
    assert_eq!(Backend::jit_available(), cfg!(target_arch = "x86_64"));
    let expected = if cfg!(target_arch = "x86_64") {
        Backend::Jit
    } else {
        Backend::Interpreter
    };
    assert_eq!(Backend::default(), expected);
    for backend in Backend::ALL {
        assert_eq!(backend.name().parse::<Backend>(), Ok(backend));
    }
    let error = "wasm".parse::<Backend>().unwrap_err();
    assert!(
        error.to_string().contains("jit, interp or checked"),
        "{error}"
    );
}

/// xorshift64*, seeded: the same events on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A value for a bounded field within its bound, edges included (past the data area too).
fn bounded_value(rng: &mut Rng, max: u32, data_len: u32) -> u32 {
    match rng.below(8) {
        0 => 0,
        1 => max,
        2 => data_len,
        3 => data_len.saturating_sub(1),
        4 => (data_len + 1).min(max),
        _ => rng
            .below(u64::from(data_len.min(max)) + 2)
            .min(u64::from(max)) as u32,
    }
}

/// A value above a bound.
fn over_bound(rng: &mut Rng, max: u32) -> u32 {
    match rng.below(3) {
        0 => max.saturating_add(1),
        1 => u32::MAX,
        _ => max.saturating_add(1 + rng.below(1 << 20) as u32),
    }
}

/// Seeded hand-made events of every type, with descriptors anywhere within (and sometimes
/// past) their bounds, random data areas and random scalar fields: every backend gives the
/// checked interpreter's answer (verdict or error kind, alerts), and none crashes.
#[test]
fn seeded_hand_made_events_get_the_checked_answer_on_every_backend() {
    use ringfence_vm::event::FieldKind;
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let objects: Vec<Vec<(Backend, RuleObject)>> = example_objects()
        .iter()
        .map(|(_, bytes)| {
            available_backends()
                .map(|backend| (backend, load(bytes, backend)))
                .collect()
        })
        .collect();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut scratch = Scratch::new();
    let iterations: u64 = std::env::var("RINGFENCE_EVENT_FUZZ_ITERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let (mut ran, mut not_refused) = (0, 0);
    for iteration in 0..iterations {
        let engines = &objects[rng.below(objects.len() as u64) as usize];
        let rule_type = engines[0].1.rules[0].event_type;
        let (_, schema) = schemas.iter().find(|(id, _)| *id == rule_type).unwrap();
        let layout = schema.layout();
        // Start from a real event of the type, then scribble on it.
        let mut event = EventBuf::new();
        let line = format!(r#"{{"type": "{}"}}"#, schema.name());
        encoder.encode_line(&line, 1, &mut event).unwrap();
        let fixed_len = event.fixed_len();
        event.reset(rule_type, fixed_len);
        // One event in five breaks one bound (a field, or the data area's length).
        let breaks = rng.below(5) == 0;
        let data_len = match rng.below(8) {
            0 if breaks => layout.max_data_len + 1,
            1 => layout.max_data_len,
            _ => rng.below(200) as u32,
        };
        let mut broken_slot = if breaks && data_len <= layout.max_data_len {
            Some(rng.below(12))
        } else {
            None
        };
        let mut slot = 0;
        let mut value = |rng: &mut Rng, max: u32, data_len: u32| {
            slot += 1;
            if broken_slot.is_some_and(|broken| broken < slot) {
                broken_slot = None;
                over_bound(rng, max)
            } else {
                bounded_value(rng, max, data_len)
            }
        };
        let data: Vec<u8> = (0..data_len)
            .map(|_| match rng.below(4) {
                0 => 0,
                1 => b'/',
                _ => b"abcsh/.-ncep"[rng.below(12) as usize],
            })
            .collect();
        event.push_data(&data);
        for field in &layout.fields {
            let at = field.offset as usize;
            match field.kind {
                FieldKind::Str | FieldKind::StrList => {
                    let max = layout.max_data_len;
                    event.put_fixed(at, &value(&mut rng, max, data_len).to_le_bytes());
                    event.put_fixed(at + 4, &value(&mut rng, max, data_len).to_le_bytes());
                    if field.kind == FieldKind::StrList {
                        let count = value(&mut rng, max + 1, 3);
                        event.put_fixed(at + 8, &count.to_le_bytes());
                    }
                }
                _ => {
                    let bytes: Vec<u8> = (0..field.size).map(|_| rng.next() as u8).collect();
                    event.put_fixed(at, &bytes);
                }
            }
        }
        let mut per_rule = Vec::new();
        for rule_idx in 0..engines[0].1.rules.len() {
            let answers: Vec<(Backend, String)> = engines
                .iter()
                .map(|(backend, object)| {
                    let mut state = RunState {
                        clock_ns: Some(iteration * 1_000_000_000),
                        ..RunState::default()
                    };
                    let result = object.rules[rule_idx].evaluate_with(
                        &event,
                        &mut scratch,
                        Some(&mut state),
                    );
                    let answer = format!(
                        "{:?} {:?}",
                        result.map_err(|e| e.kind.name()),
                        state.alerts.alerts()
                    );
                    (*backend, answer)
                })
                .collect();
            let checked = &answers.last().unwrap().1;
            for (backend, answer) in &answers {
                assert_eq!(
                    answer, checked,
                    "iteration {iteration}, rule {}: {backend} differs from the checked \
                     interpreter",
                    engines[0].1.rules[rule_idx].name
                );
            }
            ran += 1;
            not_refused += u64::from(!checked.contains("BadInput"));
            per_rule.push(checked.clone());
        }
        // The engine's path: the event lent once to all the object's rules, checked by the
        // first and reused by the next ones; the same answers.
        for (backend, object) in engines {
            let mut prepared = scratch.prepare(&event);
            for (rule_idx, rule) in object.rules.iter().enumerate() {
                let mut state = RunState {
                    clock_ns: Some(iteration * 1_000_000_000),
                    ..RunState::default()
                };
                let result = rule.evaluate_prepared(&mut prepared, Some(&mut state));
                let answer = format!(
                    "{:?} {:?}",
                    result.map_err(|e| e.kind.name()),
                    state.alerts.alerts()
                );
                assert_eq!(
                    answer, per_rule[rule_idx],
                    "iteration {iteration}, rule {}: {backend} on a prepared event differs \
                     from the checked interpreter",
                    rule.name
                );
            }
        }
    }
    // The generator must reach the rules' code, not only the input checks (and the checks).
    assert!(
        ran >= iterations && not_refused * 2 >= ran && not_refused < ran,
        "{not_refused} of {ran} evaluations ran"
    );
}

/// One scratch, many rules of one type on one event: the context copy is reused from rule to
/// rule, but never once the event changed (its bytes, or its data area).
#[test]
fn the_context_copy_is_reused_only_for_the_same_event() {
    let max = max_data_len("process_exec");
    let exe = field_offset("process_exec", "exe");
    for backend in available_backends() {
        let rules = load_examples(
            &["exec_from_dev_shm", "exe_first_byte", "netcat_exec"],
            backend,
        );
        let mut scratch = Scratch::new();
        let mut event = exe_first_byte_event("/dev/shm/x");
        let evaluate = |event: &EventBuf, scratch: &mut Scratch| -> Vec<Result<u64, String>> {
            rules
                .iter()
                .map(|object| {
                    object.rules[0]
                        .evaluate_with(event, scratch, None)
                        .map_err(|e| e.kind.name().to_string())
                })
                .collect()
        };
        assert_eq!(evaluate(&event, &mut scratch), [Ok(1), Ok(0), Ok(0)]);
        assert_eq!(evaluate(&event, &mut scratch), [Ok(1), Ok(0), Ok(0)]);
        // The same buffer, one byte changed: checked again.
        event.put_fixed(exe, &(max + 1).to_le_bytes());
        let refused = vec![Err("BadInput".to_string()); 3];
        assert_eq!(evaluate(&event, &mut scratch), refused);
        event.put_fixed(exe, &0u32.to_le_bytes());
        assert_eq!(evaluate(&event, &mut scratch), [Ok(1), Ok(0), Ok(0)]);
        // A data area grown past its maximum: checked again.
        let ok = evaluate(&event, &mut scratch);
        event.push_data(&vec![b'x'; max as usize]);
        assert_eq!(evaluate(&event, &mut scratch), refused);
        // Another event: prepared afresh.
        let event = exe_first_byte_event("./dropper");
        assert_eq!(evaluate(&event, &mut scratch), [Ok(0), Ok(1), Ok(0)]);
        assert_ne!(ok, refused);
    }
}

/// One scratch lent to many rules through `Scratch::prepare` (the engine's inner loop): the
/// event is checked by the first rule and its copy reused by the next ones, never for
/// another event, never after a run by another path, and an event that breaks its contract
/// is refused by every rule, not only the first.
#[test]
fn a_prepared_event_is_checked_for_every_rule_and_reused_only_while_lent() {
    let max = max_data_len("process_exec");
    let exe = field_offset("process_exec", "exe");
    for backend in available_backends() {
        let rules = load_examples(
            &["exec_from_dev_shm", "exe_first_byte", "netcat_exec"],
            backend,
        );
        let evaluate = |event: &EventBuf, scratch: &mut Scratch| -> Vec<Result<u64, String>> {
            let mut prepared = scratch.prepare(event);
            rules
                .iter()
                .map(|object| {
                    object.rules[0]
                        .evaluate_prepared(&mut prepared, None)
                        .map_err(|e| e.kind.name().to_string())
                })
                .collect()
        };
        let refused = vec![Err("BadInput".to_string()); 3];
        let mut scratch = Scratch::new();
        let mut event = exe_first_byte_event("/dev/shm/x");
        assert_eq!(evaluate(&event, &mut scratch), [Ok(1), Ok(0), Ok(0)]);
        // The same buffer, a string offset past its bound: every rule refuses it.
        event.put_fixed(exe, &(max + 1).to_le_bytes());
        assert_eq!(evaluate(&event, &mut scratch), refused);
        // The per-rule path on the same scratch, then the prepared one again, and back.
        assert!(rules[0].rules[0]
            .evaluate_with(&event, &mut scratch, None)
            .is_err());
        event.put_fixed(exe, &0u32.to_le_bytes());
        assert_eq!(
            rules[0].rules[0].evaluate_with(&event, &mut scratch, None),
            Ok(1)
        );
        assert_eq!(evaluate(&event, &mut scratch), [Ok(1), Ok(0), Ok(0)]);
        let other = exe_first_byte_event("./dropper");
        assert_eq!(evaluate(&other, &mut scratch), [Ok(0), Ok(1), Ok(0)]);
        assert_eq!(
            rules[0].rules[0].evaluate_with(&event, &mut scratch, None),
            Ok(1)
        );
        // A data area past its maximum: refused by every rule.
        event.push_data(&vec![b'x'; max as usize]);
        assert_eq!(evaluate(&event, &mut scratch), refused);
        // A rule of another type in the middle of the loop refuses the event; the next
        // rules still get their answers.
        let connect = std::fs::read(root().join("examples/rules/ssh_nonstandard_port.o"));
        {
            let connect = load(&connect.unwrap(), backend);
            let event = exe_first_byte_event("/dev/shm/x");
            let mut prepared = scratch.prepare(&event);
            let first = rules[0].rules[0].evaluate_prepared(&mut prepared, None);
            let wrong = connect.rules[0].evaluate_prepared(&mut prepared, None);
            let last = rules[1].rules[0].evaluate_prepared(&mut prepared, None);
            assert_eq!(first, Ok(1));
            assert!(matches!(
                wrong,
                Err(RunError {
                    kind: RunErrorKind::BadInput { .. },
                    ..
                })
            ));
            assert_eq!(last, Ok(0));
        }
    }
}
