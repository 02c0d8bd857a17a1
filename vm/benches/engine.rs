//! The engine beside its limit, in one run: the 50-rule bench pack (`benches/pack50/`, C
//! variants of the example rules) over synthetic endpoint events (`ringfence_vm::synth`,
//! encoded once before timing), evaluated by
//! - `ringfence_jit`: the engine with its default backend (the Cranelift JIT);
//! - `native_rust`: the same 50 rules written as Rust closures over the encoded events
//!   (built from the same `rules.txt` the C rules are generated from, using the same byte
//!   tests as the rf_* helpers), bucketed by event type the same way: the limit;
//! - `checked_interpreter`: the engine with the checked interpreter, the oracle.
//!
//! Each on one thread and on two (each thread its own evaluator, the pack and its maps
//! shared); and the time to read, verify and compile a 100-rule pack (the 50 rules twice).
//!
//! Before the criterion groups it prints a summary measured in the same process: events per
//! second per core of each variant and the ratio of the engine to native Rust; criterion's
//! throughput lines (`thrpt`) give the same figures with confidence intervals.
//!
//! Run: `cargo bench -p ringfence-vm --bench engine -- --warm-up-time 1 --measurement-time 3`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, Criterion, Throughput};
use ringfence_vm::backend::Backend;
use ringfence_vm::engine::{Engine, Evaluator, Timing};
use ringfence_vm::event::{Encoder, EventBuf, EventView, Layout, SchemaSet};
use ringfence_vm::rf_helpers::matching;
use ringfence_vm::rule::RuleConfig;
use ringfence_vm::synth::{Synth, SynthConfig};

/// Events per timed batch.
const EVENTS: usize = 20_000;

fn pack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/pack50")
}

fn events(schemas: &SchemaSet) -> Vec<EventBuf> {
    let encoder = Encoder::new(schemas);
    Synth::new(SynthConfig::with_seed(2024))
        .take(EVENTS)
        .enumerate()
        .map(|(i, line)| {
            let mut buf = EventBuf::new();
            encoder.encode_line(&line, i + 1, &mut buf).unwrap();
            buf
        })
        .collect()
}

fn engine(backend: Backend) -> Engine {
    let engine = Engine::builder()
        .rule_config(RuleConfig {
            backend,
            ..RuleConfig::default()
        })
        .timing(Timing::Off)
        .build()
        .unwrap();
    engine.load_pack(pack_dir()).unwrap();
    engine
}

// ---- the 50 rules as native Rust closures ----

/// One rule: its test over an event of its type; on a match it records an alert (rule id,
/// pid), as the C rules do with rf_alert.
type NativeFn = Box<dyn Fn(&EventView<'_>, &mut Vec<(u32, u32)>) -> bool + Send + Sync>;

/// The native pack: rules bucketed by event type id, like the engine's.
struct NativePack {
    layouts: Vec<Option<Layout>>,
    buckets: Vec<Vec<NativeFn>>,
}

/// The fields the rules read, by name, for one event type.
#[derive(Clone, Copy)]
struct Fields {
    pid: u32,
    exe: u32,
    args: u32,
    cwd: u32,
    parent_exe: u32,
    tty: u32,
    container_id: u32,
    field: [u32; 8],
}

fn list(text: &str) -> Vec<Vec<u8>> {
    text.split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

fn ports(text: &str) -> Vec<u64> {
    text.split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Whether any string of the field (each element of a list) passes `test` with any pattern.
#[inline]
fn any_str(
    view: &EventView<'_>,
    field: u32,
    patterns: &[Vec<u8>],
    test: fn(&[u8], &[u8]) -> bool,
) -> bool {
    match view.strings(field) {
        Some(mut strings) => strings.any(|s| patterns.iter().any(|p| test(s, p))),
        None => false,
    }
}

#[inline]
fn str_len(view: &EventView<'_>, field: u32) -> usize {
    view.str_bytes(field).map_or(0, <[u8]>::len)
}

/// Not in 10/8, 172.16/12, 192.168/16, 127/8 (an IPv6 address is never in them).
#[inline]
fn is_public(view: &EventView<'_>, field: u32) -> bool {
    match view.ip(field) {
        Some(std::net::IpAddr::V4(v4)) => !(v4.is_private() || v4.is_loopback()),
        _ => true,
    }
}

#[allow(clippy::too_many_lines)]
fn native_pack(schemas: &SchemaSet) -> NativePack {
    let spec = std::fs::read_to_string(pack_dir().join("rules.txt")).unwrap();
    let max_type = schemas.iter().map(|(t, _)| t).max().unwrap_or(0) as usize;
    let mut layouts: Vec<Option<Layout>> = vec![None; max_type + 1];
    for (t, schema) in schemas.iter() {
        layouts[t as usize] = Some(schema.layout().clone());
    }
    let mut buckets: Vec<Vec<NativeFn>> = (0..=max_type).map(|_| Vec::new()).collect();
    let started = Instant::now();
    for (num, line) in spec
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
    {
        let rule_id = 101 + num as u32;
        let parts: Vec<&str> = line.split('|').collect();
        let (template, p) = (parts[1], &parts[3..]);
        let param = |i: usize| p.get(i).copied().unwrap_or("");
        let event = match template {
            "first_byte" => param(0),
            "open_path" => "file_open",
            "connect_port" => "network_connect",
            "auth_user" | "auth_burst" => "auth_attempt",
            _ => "process_exec",
        };
        let (type_id, schema) = schemas.by_name(event).unwrap();
        let id = |name: &str| schema.field_id(name).unwrap_or(u32::MAX);
        let f = Fields {
            pid: id("pid"),
            exe: id("exe"),
            args: id("args"),
            cwd: id("cwd"),
            parent_exe: id("parent_exe"),
            tty: id("tty"),
            container_id: id("container_id"),
            field: [
                id("stdin_type"),
                id("stdout_type"),
                id("path"),
                id("flags"),
                id("daddr"),
                id("dport"),
                id("protocol"),
                id("success"),
            ],
        };
        let (user, service, saddr) = (id("user"), id("service"), id("saddr"));
        let alert = move |view: &EventView<'_>, alerts: &mut Vec<(u32, u32)>| {
            alerts.push((rule_id, view.scalar(f.pid).unwrap_or(0) as u32));
            true
        };
        let rule: NativeFn = match template {
            "exe_prefix" => {
                let prefixes = list(param(0));
                Box::new(move |v, a| any_str(v, f.exe, &prefixes, matching::prefix) && alert(v, a))
            }
            "exe_suffix_arg_prefix" | "exe_suffix_arg_contains" => {
                let (suffixes, args) = (list(param(0)), list(param(1)));
                let test = if template == "exe_suffix_arg_prefix" {
                    matching::prefix
                } else {
                    matching::contains
                };
                Box::new(move |v, a| {
                    any_str(v, f.exe, &suffixes, matching::suffix)
                        && any_str(v, f.args, &args, test)
                        && alert(v, a)
                })
            }
            "parent_glob_exe_suffix" => {
                let (globs, suffixes) = (list(param(0)), list(param(1)));
                Box::new(move |v, a| {
                    any_str(v, f.parent_exe, &globs, matching::glob)
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "container_tty_exe_suffix" => {
                let suffixes = list(param(0));
                Box::new(move |v, a| {
                    str_len(v, f.container_id) != 0
                        && str_len(v, f.tty) != 0
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "socket_stdio_exe_suffix" => {
                let suffixes = list(param(0));
                Box::new(move |v, a| {
                    v.scalar(f.field[0]) == Some(4)
                        && v.scalar(f.field[1]) == Some(4)
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "first_byte" => {
                let field = match param(1) {
                    "exe" => f.exe,
                    "cwd" => f.cwd,
                    _ => f.field[2],
                };
                Box::new(move |v, a| {
                    matches!(v.str_bytes(field), Some([first, ..]) if *first != b'/') && alert(v, a)
                })
            }
            "open_path" => {
                let (prefixes, allowed) = (list(param(0)), list(param(1)));
                let mask: u64 = param(2).parse().unwrap();
                Box::new(move |v, a| {
                    any_str(v, f.field[2], &prefixes, matching::prefix)
                        && !any_str(v, f.exe, &allowed, matching::eq)
                        && (mask == 0 || v.scalar(f.field[3]).unwrap_or(0) & mask != 0)
                        && alert(v, a)
                })
            }
            "connect_port" => {
                let (wanted, suffixes, excluded) =
                    (ports(param(0)), list(param(1)), ports(param(2)));
                Box::new(move |v, a| {
                    let dport = v.scalar(f.field[5]).unwrap_or(0);
                    v.scalar(f.field[6]) == Some(6)
                        && (wanted.is_empty() || wanted.contains(&dport))
                        && !excluded.contains(&dport)
                        && (suffixes.is_empty() || any_str(v, f.exe, &suffixes, matching::suffix))
                        && is_public(v, f.field[4])
                        && alert(v, a)
                })
            }
            "auth_user" => {
                let (users, svc) = (list(param(0)), list(param(1)));
                Box::new(move |v, a| {
                    v.scalar(f.field[7]) == Some(0)
                        && any_str(v, service, &svc, matching::eq)
                        && any_str(v, user, &users, matching::eq)
                        && alert(v, a)
                })
            }
            "auth_burst" => {
                let svc = list(param(0));
                let threshold: u64 = param(1).parse().unwrap();
                // The hash map of the C rule: source address → (window start, failures),
                // shared by every thread.
                let windows: Mutex<HashMap<[u8; 16], (u64, u64)>> = Mutex::default();
                Box::new(move |v, a| {
                    if v.scalar(f.field[7]) != Some(0) || !any_str(v, service, &svc, matching::eq) {
                        return false;
                    }
                    let Some(source) = v.field_bytes(saddr).and_then(|b| b.try_into().ok()) else {
                        return false;
                    };
                    let now = started.elapsed().as_nanos() as u64;
                    let mut windows = windows.lock().unwrap();
                    let w = windows.entry(source).or_insert((now, 0));
                    if now - w.0 > 60_000_000_000 {
                        *w = (now, 1);
                        return false;
                    }
                    w.1 += 1;
                    w.1 == threshold && alert(v, a)
                })
            }
            other => panic!("rules.txt: unknown template {other}"),
        };
        buckets[type_id as usize].push(rule);
    }
    NativePack { layouts, buckets }
}

impl NativePack {
    /// Evaluates every rule of the event's type; returns the number of matches.
    #[inline]
    fn evaluate(&self, event: &EventBuf, alerts: &mut Vec<(u32, u32)>) -> usize {
        alerts.clear();
        let t = event.type_id() as usize;
        let Some(Some(layout)) = self.layouts.get(t) else {
            return 0;
        };
        let Some(view) = EventView::new(layout, event.fixed(), event.data()) else {
            return 0;
        };
        self.buckets[t]
            .iter()
            .filter(|rule| rule(&view, alerts))
            .count()
    }
}

// ---- the variants ----

fn run_engine(evaluator: &mut Evaluator, events: &[EventBuf]) -> usize {
    let mut matches = 0;
    for event in events {
        matches += evaluator.evaluate(event).unwrap().matched_indices().len();
    }
    matches
}

fn run_native(pack: &NativePack, events: &[EventBuf], alerts: &mut Vec<(u32, u32)>) -> usize {
    events.iter().map(|e| pack.evaluate(e, alerts)).sum()
}

/// Events per second on one thread, measured for about `time`.
fn rate(mut pass: impl FnMut() -> usize, n: usize, time: Duration) -> f64 {
    black_box(pass());
    let started = Instant::now();
    let mut done = 0;
    while started.elapsed() < time {
        black_box(pass());
        done += n;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

/// A pack directory holding the 50 rules twice (100 rules), in a temporary directory.
fn pack100() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringfence-pack100-{}", std::process::id()));
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let manifest = std::fs::read_to_string(pack_dir().join("pack.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let mut entries = Vec::new();
    for copy in ["a", "b"] {
        for rule in value["rules"].as_array().unwrap() {
            let id = rule["id"].as_str().unwrap();
            let object = rule["object"].as_str().unwrap();
            let target = format!("rules/{copy}_{id}.o");
            std::fs::copy(pack_dir().join(object), dir.join(&target)).unwrap();
            entries.push(serde_json::json!({"id": format!("{copy}_{id}"), "object": target}));
        }
    }
    let manifest = serde_json::json!({
        "name": "bench100",
        "version": "1",
        "schema_versions": value["schema_versions"],
        "rules": entries,
    });
    std::fs::write(dir.join("pack.json"), manifest.to_string()).unwrap();
    dir
}

fn summary(schemas: &SchemaSet, events: &[EventBuf], pack100: &Path) {
    let n = events.len();
    let time = Duration::from_millis(1500);
    let jit = engine(Backend::host_default());
    let checked = engine(Backend::Checked);
    let native = native_pack(schemas);
    let (mut a, mut b) = (jit.evaluator(), checked.evaluator());
    let mut alerts = Vec::new();
    let m_jit = run_engine(&mut a, events);
    let m_native = run_native(&native, events, &mut alerts);
    let m_checked = run_engine(&mut b, events);
    let r_jit = rate(|| run_engine(&mut a, events), n, time);
    let r_native = rate(|| run_native(&native, events, &mut alerts), n, time);
    let r_checked = rate(|| run_engine(&mut b, events), n, Duration::from_millis(700));
    let loads: Vec<Duration> = (0..5)
        .map(|_| {
            let engine = Engine::builder().timing(Timing::Off).build().unwrap();
            let started = Instant::now();
            engine.compile_pack(pack100).unwrap();
            started.elapsed()
        })
        .collect();
    let best_load = loads.iter().min().unwrap();
    println!("engine bench summary ({n} synthetic events, 50 rules, one thread):");
    println!(
        "  ringfence {} : {:>10.0} events/s  ({} matches in the first pass)",
        Backend::host_default().name(),
        r_jit,
        m_jit
    );
    println!("  native Rust   : {r_native:>10.0} events/s  ({m_native} matches in the first pass)");
    println!(
        "  checked interp: {r_checked:>10.0} events/s  ({m_checked} matches in the first pass)"
    );
    println!(
        "  ratio native / ringfence: {:.2}x (goal <= 2x); ringfence / checked: {:.1}x",
        r_native / r_jit,
        r_jit / r_checked
    );
    println!(
        "  read + verify + compile of a 100-rule pack: best {:.1} ms of 5 (goal < 100 ms)",
        best_load.as_secs_f64() * 1e3
    );
}

fn pack50(c: &mut Criterion) {
    let schemas = SchemaSet::endpoint();
    let events = events(&schemas);
    let dir100 = pack100();
    summary(&schemas, &events, &dir100);
    let jit = engine(Backend::host_default());
    let checked = engine(Backend::Checked);
    let native = native_pack(&schemas);

    let mut group = c.benchmark_group("pack50_1thread");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    let mut evaluator = jit.evaluator();
    group.bench_function("ringfence_jit", |b| {
        b.iter(|| run_engine(&mut evaluator, &events))
    });
    let mut alerts = Vec::new();
    group.bench_function("native_rust", |b| {
        b.iter(|| run_native(&native, &events, &mut alerts))
    });
    let mut evaluator = checked.evaluator();
    group.bench_function("checked_interpreter", |b| {
        b.iter(|| run_engine(&mut evaluator, &events))
    });
    group.finish();

    // Two threads, each evaluating half of the events with its own evaluator.
    let (left, right) = events.split_at(events.len() / 2);
    let mut group = c.benchmark_group("pack50_2threads");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    for (name, engine) in [("ringfence_jit", &jit), ("checked_interpreter", &checked)] {
        let (mut e1, mut e2) = (engine.evaluator(), engine.evaluator());
        group.bench_function(name, |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    let h = s.spawn(|| run_engine(&mut e1, left));
                    run_engine(&mut e2, right) + h.join().unwrap()
                })
            })
        });
    }
    let native = &native;
    group.bench_function("native_rust", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let h = s.spawn(|| run_native(native, left, &mut Vec::new()));
                run_native(native, right, &mut Vec::new()) + h.join().unwrap()
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    let engine = Engine::builder().timing(Timing::Off).build().unwrap();
    group.bench_function("pack100_read_verify_compile", |b| {
        b.iter(|| engine.compile_pack(&dir100).unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir100);
}

criterion_group!(benches, pack50);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
