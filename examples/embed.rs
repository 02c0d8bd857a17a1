//! A minimal detection agent embedding ringfence: loads a rule pack, reads JSON Lines events
//! from a file or standard input, and prints one JSON line per rule that matched.
//!
//! ```text
//! cargo run --example embed -- examples/packs/sample-events.jsonl
//! cargo run --example embed -- --pack examples/packs/endpoint < events.jsonl
//! ```
//!
//! Bad lines are reported on standard error with their line number and skipped.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::Context;
use ringfence_vm::engine::Engine;
use ringfence_vm::event::stream::{EventStream, StreamConfig, StreamItem};
use ringfence_vm::event::EventBuf;

const DEFAULT_PACK: &str = "examples/packs/endpoint";

#[allow(dead_code)] // tests/engine_examples.rs includes this file and calls `run`.
fn main() -> anyhow::Result<()> {
    let mut pack = DEFAULT_PACK.to_string();
    let mut events = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pack" => pack = args.next().context("--pack takes a directory")?,
            "-h" | "--help" => {
                println!("usage: embed [--pack DIR] [EVENTS.jsonl]   (default pack {DEFAULT_PACK}, events from stdin)");
                return Ok(());
            }
            _ => events = Some(arg),
        }
    }
    let stdout = std::io::stdout();
    let summary = match events {
        Some(path) => {
            let file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
            run(Path::new(&pack), BufReader::new(file), &mut stdout.lock())?
        }
        None => run(
            Path::new(&pack),
            std::io::stdin().lock(),
            &mut stdout.lock(),
        )?,
    };
    eprintln!(
        "{} events, {} matches, {} bad lines",
        summary.events, summary.matches, summary.bad_lines
    );
    Ok(())
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Summary {
    pub events: u64,
    pub matches: u64,
    pub bad_lines: u64,
}

/// The agent: evaluates every event of `input` with the pack in `pack`, writing one JSON
/// line per match to `out`.
pub fn run(pack: &Path, input: impl BufRead, out: &mut impl Write) -> anyhow::Result<Summary> {
    // 1. An engine for the built-in endpoint event types, with the pack loaded (verified and
    //    compiled; a bad pack is refused whole, with every problem listed).
    let engine = Engine::builder().build()?;
    let info = engine.load_pack(pack)?;
    eprintln!(
        "loaded pack {} {} ({} rules) in {:?}",
        info.name,
        info.version,
        info.rules.len(),
        info.load_time
    );
    // 2. One evaluator per thread, one reusable event buffer.
    let mut evaluator = engine.evaluator();
    let mut event = EventBuf::new();
    let mut stream = EventStream::new(input, engine.encoder().clone(), StreamConfig::default());
    let mut summary = Summary::default();
    // 3. For each event: evaluate, report the matches.
    while let Some(item) = stream.next_event(&mut event)? {
        let line = match item {
            StreamItem::Event { line } => line,
            StreamItem::Skipped(error) => {
                eprintln!("skipped {error}");
                summary.bad_lines += 1;
                continue;
            }
        };
        summary.events += 1;
        let evaluation = evaluator.evaluate(&event)?;
        for m in evaluation.matches() {
            summary.matches += 1;
            let alerts: Vec<String> = evaluation
                .alerts()
                .iter()
                .filter(|a| a.rule as usize == m.index)
                .map(|a| hex(a.alert.payload()))
                .collect();
            let alert = serde_json::json!({
                "line": line,
                "rule": m.rule.id,
                "severity": m.rule.severity.name(),
                "event": m.rule.event,
                "pack": format!("{}@{}", info.name, info.version),
                "alerts": alerts,
            });
            writeln!(out, "{alert}")?;
        }
    }
    Ok(summary)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
