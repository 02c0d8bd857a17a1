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
//! second per core of each variant (the best of 40 passes, the engine's and native Rust's
//! interleaved so that load on the machine hits both alike) and the ratio of the engine to
//! native Rust; criterion's
//! throughput lines (`thrpt`) give the same figures with confidence intervals.
//!
//! Run: `cargo bench -p ringfence-vm --bench engine -- --warm-up-time 1 --measurement-time 3`.

mod support {
    pub mod pack50_native;
}

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, Criterion, Throughput};
use ringfence_vm::backend::Backend;
use ringfence_vm::engine::{Engine, Evaluator, Timing};
use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::RuleConfig;
use ringfence_vm::synth::{Synth, SynthConfig};
use support::pack50_native::{native_pack, pack_dir, NativePack};

/// Events per timed batch.
const EVENTS: usize = 20_000;

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

// ---- the variants ----

fn run_engine(evaluator: &mut Evaluator, events: &[EventBuf]) -> usize {
    let mut matches = 0;
    for event in events {
        matches += evaluator.evaluate(event).unwrap().matched_indices().len();
    }
    matches
}

/// The native closures' clock: nanoseconds since the first call, as `bpf_ktime_get_ns`
/// gives the C rules a monotonic clock.
fn now_ns() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn run_native(pack: &NativePack, events: &[EventBuf], alerts: &mut Vec<(u32, u32)>) -> usize {
    events
        .iter()
        .map(|e| pack.evaluate(e, now_ns(), alerts))
        .sum()
}

/// Events per second on one thread of each of `passes` (each a pass over `n` events): the
/// best of `rounds` rounds, the variants interleaved round by round so that a burst of load
/// on the machine hits all of them alike.
fn best_rates(passes: &mut [&mut dyn FnMut() -> usize], n: usize, rounds: usize) -> Vec<f64> {
    let mut best = vec![0.0f64; passes.len()];
    for pass in passes.iter_mut() {
        black_box(pass());
    }
    for _ in 0..rounds {
        for (pass, best) in passes.iter_mut().zip(best.iter_mut()) {
            let started = Instant::now();
            black_box(pass());
            *best = best.max(n as f64 / started.elapsed().as_secs_f64());
        }
    }
    best
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
    let jit = engine(Backend::host_default());
    let checked = engine(Backend::Checked);
    let native = native_pack(schemas);
    let (mut a, mut b) = (jit.evaluator(), checked.evaluator());
    let mut alerts = Vec::new();
    let m_jit = run_engine(&mut a, events);
    let m_native = run_native(&native, events, &mut alerts);
    let m_checked = run_engine(&mut b, events);
    let rates = best_rates(
        &mut [&mut || run_engine(&mut a, events), &mut || {
            run_native(&native, events, &mut alerts)
        }],
        n,
        40,
    );
    let (r_jit, r_native) = (rates[0], rates[1]);
    let r_checked = best_rates(&mut [&mut || run_engine(&mut b, events)], n, 3)[0];
    let loads: Vec<Duration> = (0..5)
        .map(|_| {
            let engine = Engine::builder().timing(Timing::Off).build().unwrap();
            let started = Instant::now();
            engine.compile_pack(pack100).unwrap();
            started.elapsed()
        })
        .collect();
    let best_load = loads.iter().min().unwrap();
    println!(
        "engine bench summary ({n} synthetic events, 50 rules, one thread; the best of 40 \
         passes, JIT and native interleaved):"
    );
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
