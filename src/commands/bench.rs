//! `ringfence bench`: how fast a rule pack evaluates events. Loads the pack (timing the
//! read, verification and compilation), encodes the events of a JSON Lines file once, then
//! evaluates them from `--threads` threads for at least `--seconds`, and reports the
//! throughput per core, the cost of every rule (evaluations, hits in one first pass over
//! the file, mean time, the verifier's worst case) and the pack's worst case per event
//! type. The last line is `events/s: N`, the throughput of all threads together, for
//! scripts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use clap::Args;
use ringfence_vm::engine::{Engine, PackInfo, Timing};
use ringfence_vm::event::{BadLinePolicy, EventBuf, StreamItem};

use crate::commands::replay::{
    format_duration, load_pack_engine, note, open_events, per_second, plural, rule_name,
    rule_width, write_failed, BadLines,
};
use crate::commands::run::EngineArg;
use crate::commands::schema::load_schemas;
use crate::exit::{Failure, Outcome};

/// Arguments of `ringfence bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The rule pack: a directory with `pack.json` and the rule objects.
    pub pack: PathBuf,
    /// The events: JSON Lines (`ringfence generate --events 100000 > events.jsonl`).
    #[arg(long)]
    pub events: PathBuf,
    /// Threads evaluating at once, each with its own evaluator, sharing the pack.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Use at most this many events of the file (they are encoded once, held in memory,
    /// and evaluated again and again).
    #[arg(long, default_value_t = 200_000)]
    pub limit: usize,
    /// Evaluate for at least this long (seconds).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// The engine rules run on: `jit` (the default where the host has one), `interp`,
    /// `checked`.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// The event schemas (a schema file); default: the built-in endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
}

/// `writeln!` to `out`; a failed write (a closed pipe) ends the command.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err(write_failed)?
    };
}

/// Runs the benchmark.
pub fn bench(args: &BenchArgs) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.threads == 0 {
        return Err(Failure::unreadable(anyhow!("--threads must be at least 1")));
    }
    if !(args.seconds.is_finite() && args.seconds >= 0.0) {
        return Err(Failure::unreadable(anyhow!(
            "--seconds must be a non-negative number"
        )));
    }
    let schemas = load_schemas(args.schema.as_deref())?;
    let backend = EngineArg::backend(args.engine)?;
    let (engine, info) = load_pack_engine(&args.pack, &schemas, backend, Timing::default())?;
    say!(
        out,
        "pack {} {}: {} rules, loaded in {} (read, verify, compile; engine {})",
        info.name,
        info.version,
        info.rules.len(),
        format_duration(info.load_time),
        backend.name()
    );

    let events = read_events(args, &schemas)?;
    if events.is_empty() {
        return Err(Failure::unreadable(anyhow!(
            "{}: no events to evaluate",
            args.events.display()
        )));
    }
    print_mix(&mut out, &events, &schemas)?;
    print_costs(&mut out, &info)?;

    let first_pass = first_pass_hits(&engine, &events)?;
    let measured = run(&engine, &events, args.threads, args.seconds)?;
    let stats = engine
        .stats()
        .ok_or_else(|| Failure::unreadable(anyhow!("the pack is no longer installed")))?;
    say!(out, "");
    let width = rule_width(&info);
    say!(
        out,
        "{:<width$}  {:<16} {:>11} {:>8} {:>9} {:>12}",
        "rule",
        "event",
        "evaluations",
        "hits/pass",
        "mean ns",
        "worst insns"
    );
    for rule in &stats.rules {
        let meta = &info.rules[rule.index];
        say!(
            out,
            "{:<width$}  {:<16} {:>11} {:>8} {:>9} {:>12}",
            rule_name(&meta.id, &meta.program),
            meta.event,
            rule.evaluations,
            first_pass.get(rule.index).copied().unwrap_or(0),
            rule.mean_time()
                .map_or("-".to_string(), |d| d.as_nanos().to_string()),
            meta.worst_case_insns
        );
    }
    let evaluations: u64 = stats.rules.iter().map(|r| r.evaluations).sum();
    say!(
        out,
        "(mean ns: timed on one event in 64 per thread; rules met per event: {:.1} of {}, \
         the rest bucketed away by event type)",
        evaluations as f64 / stats.events.max(1) as f64,
        info.rules.iter().filter(|r| r.enabled).count()
    );
    say!(out, "");
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(args.threads);
    let total = per_second(measured.events, measured.wall);
    say!(
        out,
        "{} thread{}, {} events in {} ({} event{} in memory, {} pass{} after a warm-up pass)",
        args.threads,
        plural(args.threads as u64),
        measured.events,
        format_duration(measured.wall),
        events.len(),
        plural(events.len() as u64),
        measured.events / events.len() as u64,
        if measured.events / events.len() as u64 == 1 {
            ""
        } else {
            "es"
        }
    );
    say!(out, "mean per event and core: {} ns", {
        let ns = measured.wall.as_nanos() as f64 * cores as f64 / measured.events.max(1) as f64;
        ns.round() as u64
    });
    say!(out, "events/s per core: {}", total / cores as u64);
    say!(out, "events/s: {total}");
    out.flush().map_err(write_failed)?;
    Ok(())
}

/// Reads and encodes up to `--limit` events; bad lines are reported and skipped.
fn read_events(
    args: &BenchArgs,
    schemas: &ringfence_vm::event::SchemaSet,
) -> Result<Vec<EventBuf>, Failure> {
    let mut stream = open_events(&args.events, schemas, BadLinePolicy::Skip)?;
    let mut events = Vec::new();
    let mut bad = BadLines::default();
    let mut buf = EventBuf::new();
    while events.len() < args.limit {
        match stream.next_event(&mut buf) {
            Ok(None) => break,
            Ok(Some(StreamItem::Event { .. })) => events.push(buf.clone()),
            Ok(Some(StreamItem::Skipped(error))) => bad.report(&args.events, &error.to_string()),
            Err(error) => {
                return Err(Failure::unreadable(anyhow!(
                    "{}: {error}",
                    args.events.display()
                )))
            }
        }
    }
    let stats = stream.stats();
    if stats.bad > 0 {
        note!(
            "warning: {} bad line{} skipped",
            stats.bad,
            plural(stats.bad)
        );
    }
    Ok(events)
}

/// The share of each event type.
fn print_mix(
    out: &mut impl Write,
    events: &[EventBuf],
    schemas: &ringfence_vm::event::SchemaSet,
) -> Result<(), Failure> {
    let mut counts: Vec<(u32, u64)> = Vec::new();
    for event in events {
        match counts.iter_mut().find(|(t, _)| *t == event.type_id()) {
            Some((_, n)) => *n += 1,
            None => counts.push((event.type_id(), 1)),
        }
    }
    counts.sort();
    let mix: Vec<String> = counts
        .iter()
        .map(|(t, n)| {
            let name = schemas.get(*t).map_or("?", |s| s.name());
            format!("{name} {:.1}%", *n as f64 * 100.0 / events.len() as f64)
        })
        .collect();
    say!(out, "events: {} ({})", events.len(), mix.join(", "));
    Ok(())
}

/// The verifier's worst case per event type: the cost budget of the pack.
fn print_costs(out: &mut impl Write, info: &PackInfo) -> Result<(), Failure> {
    let costs: Vec<String> = info
        .costs
        .iter()
        .filter(|c| !c.rules.is_empty())
        .map(|c| {
            format!(
                "{} {} insns ({} rule{})",
                c.event,
                c.worst_case_insns,
                c.rules.len(),
                plural(c.rules.len() as u64)
            )
        })
        .collect();
    say!(out, "worst case per event: {}", costs.join(", "));
    Ok(())
}

/// The hits of each rule (by index) in one pass over `events`, before any other: what an
/// author expects of the file. The timed passes that follow would inflate the hits of
/// stateful rules (a brute-force counter in a map keeps counting from pass to pass).
fn first_pass_hits(engine: &Engine, events: &[EventBuf]) -> Result<Vec<u64>, Failure> {
    let mut evaluator = engine.evaluator();
    for event in events {
        evaluator
            .evaluate(event)
            .map_err(|e| Failure::unreadable(anyhow!("{e}")))?;
    }
    let stats = engine
        .stats()
        .ok_or_else(|| Failure::unreadable(anyhow!("the pack is no longer installed")))?;
    let mut hits = vec![0; stats.rules.len()];
    for rule in &stats.rules {
        if let Some(slot) = hits.get_mut(rule.index) {
            *slot = rule.hits;
        }
    }
    Ok(hits)
}

struct Measured {
    events: u64,
    wall: Duration,
}

/// Evaluates `events` from `threads` threads, each over all the events, again and again
/// until `seconds` have passed (after one warm-up pass each).
fn run(
    engine: &Engine,
    events: &[EventBuf],
    threads: usize,
    seconds: f64,
) -> Result<Measured, Failure> {
    let min = Duration::from_secs_f64(seconds);
    let failure: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let (events_done, wall) = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let barrier = Arc::new(std::sync::Barrier::new(threads));
        for _ in 0..threads {
            let barrier = Arc::clone(&barrier);
            let failure = Arc::clone(&failure);
            let mut evaluator = engine.evaluator();
            handles.push(scope.spawn(move || {
                let pass = |evaluator: &mut ringfence_vm::engine::Evaluator| {
                    for event in events {
                        if let Err(e) = evaluator.evaluate(event) {
                            *failure.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some(e.to_string());
                            return false;
                        }
                    }
                    true
                };
                // Warm-up: caches, branch predictors, the buffers' growth.
                let ok = pass(&mut evaluator);
                barrier.wait();
                let started = Instant::now();
                let mut done = 0u64;
                if ok {
                    loop {
                        if !pass(&mut evaluator) {
                            break;
                        }
                        done += events.len() as u64;
                        if started.elapsed() >= min {
                            break;
                        }
                    }
                }
                (done, started.elapsed())
            }));
        }
        let mut total = 0;
        let mut wall = Duration::ZERO;
        for handle in handles {
            let (done, elapsed) = handle.join().unwrap_or((0, Duration::ZERO));
            total += done;
            wall = wall.max(elapsed);
        }
        (total, wall)
    });
    if let Some(error) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(Failure::unreadable(anyhow!("evaluating an event: {error}")));
    }
    Ok(Measured {
        events: events_done,
        wall,
    })
}
