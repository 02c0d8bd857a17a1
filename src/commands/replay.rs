//! `ringfence replay`: evaluate a rule pack over a large JSON Lines event log, streamed from
//! disk (constant memory), with a progress bar; then the hits, alerts and time of every rule.
//! With `--baseline OLD_PACK`, both packs evaluate the same events and every event whose
//! verdicts differ is reported, per rule: the canary check before a rule change ships.
//!
//! The rules' clock (`bpf_ktime_get_ns`) is virtual in a replay: it reads line number × 1 ms,
//! so stateful rules (counts within a time window) give the same verdicts on every replay
//! and in both packs, however fast the replay runs.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use ringfence_vm::backend::Backend;
use ringfence_vm::engine::{Engine, PackInfo, PackStats, Timing};
use ringfence_vm::event::{
    BadLinePolicy, EventBuf, EventStream, SchemaSet, StreamConfig, StreamError, StreamItem,
};
use ringfence_vm::rule::RuleConfig;

use crate::commands::run::EngineArg;
use crate::commands::schema::load_schemas;
use crate::exit::{Failure, Outcome};

/// Arguments of `ringfence replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The rule pack: a directory with `pack.json` and the rule objects.
    pub pack: PathBuf,
    /// The event log: JSON Lines, one event per line (`ringfence generate` writes one).
    #[arg(long)]
    pub events: PathBuf,
    /// The pack to compare with (the version running now): every event whose verdicts
    /// differ is reported.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// With `--baseline`: how many events may differ and still exit 0.
    #[arg(long, default_value_t = 0)]
    pub allow: u64,
    /// Stop at the first bad line (exit 2) instead of reporting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// The event schemas (a schema file); default: the built-in endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// The engine rules run on: `jit` (the default where the host has one), `interp`,
    /// `checked`.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// The progress bar on stderr: `auto` draws it when stderr is a terminal and otherwise
    /// prints a line every 10 seconds; `always` draws it; `never`.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Show at most this many differing events (0: all); the counts are always complete.
    #[arg(long, default_value_t = 0)]
    pub show: u64,
}

/// When to show progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    Auto,
    Always,
    Never,
}

/// The virtual clock: nanoseconds per line of the log.
pub const NS_PER_LINE: u64 = 1_000_000;

/// `eprintln!` that never panics: a message that cannot be written to stderr is dropped.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use note;

/// Writes `text` to stderr as it is (the progress bar), dropping it if that fails.
fn note_raw(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// At most this many bad lines are listed one by one on stderr; the rest are counted.
const BAD_LINES_SHOWN: u64 = 20;

/// Runs the replay.
pub fn replay(args: &ReplayArgs) -> Outcome {
    let schemas = load_schemas(args.schema.as_deref())?;
    let backend = EngineArg::backend(args.engine)?;
    let new = load_pack_engine(&args.pack, &schemas, backend, replay_timing())?;
    let old = match &args.baseline {
        Some(path) => Some(load_pack_engine(path, &schemas, backend, replay_timing())?),
        None => None,
    };
    let policy = if args.strict {
        BadLinePolicy::Fatal
    } else {
        BadLinePolicy::Skip
    };
    let mut stream = open_events(&args.events, &schemas, policy)?;
    let total_bytes = std::fs::metadata(&args.events).map_or(0, |m| m.len());
    let mut progress = ProgressBar::new(args.progress, total_bytes);

    let (new_engine, new_info) = new;
    let mut new_eval = new_engine.evaluator();
    let mut old_side = old.map(|(engine, info)| {
        let union = RuleUnion::new(&info, &new_info);
        (engine.evaluator(), engine, info, union)
    });
    let mut diffs = DiffReport::default();
    let mut buf = EventBuf::new();
    let mut bad = BadLines::default();
    let mut alerts = vec![0u64; new_info.rules.len()];
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        let item = match stream.next_event(&mut buf) {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(StreamError::Bad(error)) => {
                progress.clear();
                return Err(Failure::unreadable(anyhow!(
                    "{}: {error} (without --strict, bad lines are reported and skipped)",
                    args.events.display()
                )));
            }
            Err(error) => {
                progress.clear();
                return Err(Failure::unreadable(anyhow!(
                    "{}: {error}",
                    args.events.display()
                )));
            }
        };
        let line = match item {
            StreamItem::Event { line } => line,
            StreamItem::Skipped(error) => {
                progress.clear();
                bad.report(&args.events, &error.to_string());
                continue;
            }
        };
        new_eval.set_clock_ns(Some(line.saturating_mul(NS_PER_LINE)));
        let evaluation = new_eval
            .evaluate(&buf)
            .map_err(|e| Failure::unreadable(anyhow!("{}:{line}: {e}", args.events.display())))?;
        for alert in evaluation.alerts() {
            if let Some(n) = alerts.get_mut(alert.rule as usize) {
                *n += 1;
            }
        }
        if let Some((old_eval, _, _, union)) = &mut old_side {
            union.set_new(evaluation.matched_indices());
            old_eval.set_clock_ns(Some(line.saturating_mul(NS_PER_LINE)));
            let old_evaluation = old_eval.evaluate(&buf).map_err(|e| {
                Failure::unreadable(anyhow!("{}:{line}: {e}", args.events.display()))
            })?;
            union.set_old(old_evaluation.matched_indices());
            if union.differs() {
                progress.clear();
                diffs
                    .record(&mut out, line, union, stream.last_line(), args.show)
                    .map_err(write_failed)?;
            }
        }
        progress.tick(stream.stats().bytes, stream.stats().events);
    }
    progress.clear();
    let elapsed = started.elapsed();
    let stats = stream.stats();
    let new_stats = new_engine.stats();
    writeln!(
        out,
        "replayed {} events from {} in {} ({} events/s{}){}",
        stats.events,
        args.events.display(),
        format_duration(elapsed),
        per_second(stats.events, elapsed),
        if old_side.is_some() {
            ", both packs"
        } else {
            ""
        },
        match stats.bad {
            0 => String::new(),
            n => format!("; {n} bad line{} skipped", plural(n)),
        }
    )
    .map_err(write_failed)?;
    if let Some(pack_stats) = &new_stats {
        writeln!(out).map_err(write_failed)?;
        write_rule_table(&mut out, pack_stats, &alerts).map_err(write_failed)?;
    }
    out.flush().map_err(write_failed)?;
    let Some((_, old_engine, old_info, union)) = old_side else {
        return Ok(());
    };
    let old_stats = old_engine.stats();
    writeln!(out).map_err(write_failed)?;
    diffs
        .summary(
            &mut out,
            &union,
            (&old_info, old_stats.as_ref()),
            (&new_info, new_stats.as_ref()),
        )
        .map_err(write_failed)?;
    let verdict = if diffs.events <= args.allow {
        "within"
    } else {
        "over"
    };
    writeln!(
        out,
        "{} event{} differ{} ({verdict} the allowance of {})",
        diffs.events,
        plural(diffs.events),
        if diffs.events == 1 { "s" } else { "" },
        args.allow
    )
    .map_err(write_failed)?;
    out.flush().map_err(write_failed)?;
    if diffs.events <= args.allow {
        Ok(())
    } else {
        Err(Failure::Silent(1))
    }
}

/// Replays time every eighth event: totals per rule are extrapolated from the samples.
fn replay_timing() -> Timing {
    Timing::Sampled { every: 8 }
}

/// An engine with the pack in `dir` installed, or the pack's refusal (exit 1).
pub fn load_pack_engine(
    dir: &Path,
    schemas: &SchemaSet,
    backend: Backend,
    timing: Timing,
) -> Result<(Engine, std::sync::Arc<PackInfo>), Failure> {
    if !dir.join("pack.json").is_file() {
        let hint = if dir.is_file() {
            " (it is a file: a pack is a directory with pack.json and the rule objects)"
        } else {
            ""
        };
        return Err(Failure::unreadable(anyhow!(
            "{}: no pack.json here{hint}; see README (`Rule packs`) for the manifest",
            dir.display()
        )));
    }
    let engine = Engine::builder()
        .schemas(schemas.clone())
        .rule_config(RuleConfig {
            backend,
            ..RuleConfig::default()
        })
        .timing(timing)
        .build()
        .map_err(|e| Failure::unreadable(anyhow!("{e}")))?;
    let info = engine
        .load_pack(dir)
        .map_err(|e| Failure::rejected(anyhow!("{e}")))?;
    Ok((engine, info))
}

/// A stream of the events in `path`, with a large read buffer.
pub fn open_events(
    path: &Path,
    schemas: &SchemaSet,
    policy: BadLinePolicy,
) -> Result<EventStream<BufReader<File>>, Failure> {
    let file = File::open(path)
        .map_err(|e| Failure::unreadable(anyhow!("cannot read {}: {e}", path.display())))?;
    Ok(EventStream::new(
        BufReader::with_capacity(1 << 20, file),
        ringfence_vm::event::Encoder::new(schemas),
        StreamConfig {
            policy,
            ..StreamConfig::default()
        },
    ))
}

/// Bad lines, listed on stderr (the first few) and counted.
#[derive(Debug, Default)]
pub struct BadLines {
    shown: u64,
}

impl BadLines {
    /// Reports one bad line.
    pub fn report(&mut self, file: &Path, error: &str) {
        self.shown += 1;
        if self.shown <= BAD_LINES_SHOWN {
            note!("warning: {}:{error} (skipped)", file.display());
        } else if self.shown == BAD_LINES_SHOWN + 1 {
            note!("warning: more bad lines; the summary counts them");
        }
    }
}

/// The per-rule table: hits, alerts, faults and time.
fn write_rule_table(
    out: &mut impl Write,
    stats: &PackStats,
    alerts: &[u64],
) -> std::io::Result<()> {
    let info = &stats.pack;
    writeln!(
        out,
        "pack {} {} ({} rule{})",
        info.name,
        info.version,
        info.rules.len(),
        plural(info.rules.len() as u64)
    )?;
    let width = rule_width(info);
    writeln!(
        out,
        "{:<width$}  {:<16} {:>10} {:>8} {:>8} {:>8} {:>10} {:>9}",
        "rule", "event", "evaluated", "hits", "alerts", "faults", "time", "mean"
    )?;
    let mut total_hits = 0;
    for rule in &stats.rules {
        let meta = &info.rules[rule.index];
        total_hits += rule.hits;
        writeln!(
            out,
            "{:<width$}  {:<16} {:>10} {:>8} {:>8} {:>8} {:>10} {:>9}",
            rule_name(meta.id.as_str(), meta.program.as_str()),
            meta.event,
            rule.evaluations,
            rule.hits,
            alerts.get(rule.index).copied().unwrap_or(0),
            rule.faults,
            rule.estimated_total_time()
                .map_or("-".to_string(), format_duration),
            rule.mean_time()
                .map_or("-".to_string(), |d| format!("{} ns", d.as_nanos())),
        )?;
    }
    writeln!(
        out,
        "hits: {total_hits}, alerts: {}",
        alerts.iter().sum::<u64>()
    )?;
    Ok(())
}

/// `id` or `id/program` when the program's name differs from the rule id.
pub fn rule_name(id: &str, program: &str) -> String {
    if id == program {
        id.to_string()
    } else {
        format!("{id}/{program}")
    }
}

/// The width of the rule column.
pub fn rule_width(info: &PackInfo) -> usize {
    info.rules
        .iter()
        .map(|r| rule_name(&r.id, &r.program).len())
        .max()
        .unwrap_or(4)
        .max(4)
}

/// The rules of the baseline and the new pack, matched by (id, program), and the verdicts
/// of the current event.
#[derive(Debug)]
struct RuleUnion {
    /// (id, program, index in the baseline, index in the new pack).
    rules: Vec<(String, String, Option<usize>, Option<usize>)>,
    /// Per union rule: enabled in the baseline, enabled in the new pack (false if absent).
    enabled: Vec<(bool, bool)>,
    old_to_union: Vec<usize>,
    new_to_union: Vec<usize>,
    old: Vec<bool>,
    new: Vec<bool>,
    /// Union indices set in `old` or `new` for this event.
    touched: Vec<usize>,
    /// Per union rule: events where it went no match → match, and match → no match.
    counts: Vec<(u64, u64)>,
}

impl RuleUnion {
    fn new(old: &PackInfo, new: &PackInfo) -> RuleUnion {
        let mut rules: Vec<(String, String, Option<usize>, Option<usize>)> = Vec::new();
        let mut old_to_union = Vec::new();
        for (i, r) in old.rules.iter().enumerate() {
            old_to_union.push(rules.len());
            rules.push((r.id.clone(), r.program.clone(), Some(i), None));
        }
        let mut new_to_union = Vec::new();
        for (i, r) in new.rules.iter().enumerate() {
            match rules
                .iter()
                .position(|(id, program, _, _)| *id == r.id && *program == r.program)
            {
                Some(at) => {
                    rules[at].3 = Some(i);
                    new_to_union.push(at);
                }
                None => {
                    new_to_union.push(rules.len());
                    rules.push((r.id.clone(), r.program.clone(), None, Some(i)));
                }
            }
        }
        let n = rules.len();
        let enabled = rules
            .iter()
            .map(|(_, _, o, n)| {
                (
                    o.is_some_and(|i| old.rules[i].enabled),
                    n.is_some_and(|i| new.rules[i].enabled),
                )
            })
            .collect();
        RuleUnion {
            rules,
            enabled,
            old_to_union,
            new_to_union,
            old: vec![false; n],
            new: vec![false; n],
            touched: Vec::new(),
            counts: vec![(0, 0); n],
        }
    }

    fn set_new(&mut self, matched: &[u32]) {
        for &u in &self.touched {
            self.old[u] = false;
            self.new[u] = false;
        }
        self.touched.clear();
        for &i in matched {
            let u = self.new_to_union[i as usize];
            self.new[u] = true;
            self.touched.push(u);
        }
    }

    fn set_old(&mut self, matched: &[u32]) {
        for &i in matched {
            let u = self.old_to_union[i as usize];
            self.old[u] = true;
            self.touched.push(u);
        }
        self.touched.sort_unstable();
        self.touched.dedup();
    }

    fn differs(&self) -> bool {
        self.touched.iter().any(|&u| self.old[u] != self.new[u])
    }
}

/// The differing events, as they are found, and the counts.
#[derive(Debug, Default)]
struct DiffReport {
    /// Events with at least one differing verdict.
    events: u64,
    shown: u64,
}

impl DiffReport {
    fn record(
        &mut self,
        out: &mut impl Write,
        line: u64,
        union: &mut RuleUnion,
        text: &[u8],
        show: u64,
    ) -> std::io::Result<()> {
        self.events += 1;
        if self.events == 1 {
            writeln!(out, "events whose verdicts differ (baseline → new):")?;
        }
        let visible = show == 0 || self.shown < show;
        if visible {
            self.shown += 1;
        }
        for &u in &union.touched {
            let (old, new) = (union.old[u], union.new[u]);
            if old == new {
                continue;
            }
            if new {
                union.counts[u].0 += 1;
            } else {
                union.counts[u].1 += 1;
            }
            if visible {
                let (id, program, in_old, in_new) = &union.rules[u];
                writeln!(
                    out,
                    "line {line}: {}: {} → {}",
                    rule_name(id, program),
                    verdict_word(old, in_old.is_some(), union.enabled[u].0),
                    verdict_word(new, in_new.is_some(), union.enabled[u].1),
                )?;
            }
        }
        if visible {
            writeln!(out, "  {}", String::from_utf8_lossy(text))?;
        } else if show != 0 && self.events == show + 1 {
            writeln!(
                out,
                "(more differing events are counted below; --show 0 lists them all)"
            )?;
        }
        Ok(())
    }

    fn summary(
        &self,
        out: &mut impl Write,
        union: &RuleUnion,
        (old, old_stats): (&PackInfo, Option<&PackStats>),
        (new, new_stats): (&PackInfo, Option<&PackStats>),
    ) -> std::io::Result<()> {
        writeln!(
            out,
            "baseline {} {} → {} {}: differences per rule",
            old.name, old.version, new.name, new.version
        )?;
        let width = union
            .rules
            .iter()
            .map(|(id, p, _, _)| rule_name(id, p).len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            out,
            "{:<width$}  {:>10} {:>10} {:>14} {:>14}",
            "rule", "hits old", "hits new", "no match→match", "match→no match"
        )?;
        let hits = |i: Option<usize>, stats: Option<&PackStats>| -> String {
            match (i, stats) {
                (Some(i), Some(s)) => s.rules.get(i).map_or(0, |r| r.hits).to_string(),
                _ => "-".to_string(),
            }
        };
        for (u, (id, program, in_old, in_new)) in union.rules.iter().enumerate() {
            let (gained, lost) = union.counts[u];
            let mark = match (in_old, in_new, union.enabled[u]) {
                (None, Some(_), _) => " (new rule)",
                (Some(_), None, _) => " (removed)",
                (Some(_), Some(_), (true, false)) => " (disabled)",
                (Some(_), Some(_), (false, true)) => " (enabled)",
                _ => "",
            };
            writeln!(
                out,
                "{:<width$}  {:>10} {:>10} {:>14} {:>14}{mark}",
                rule_name(id, program),
                hits(*in_old, old_stats),
                hits(*in_new, new_stats),
                gained,
                lost
            )?;
        }
        Ok(())
    }
}

/// A rule's verdict on an event, as the diff shows it: a rule the pack lacks is `absent`, a
/// disabled one `disabled` (neither matches).
fn verdict_word(matched: bool, present: bool, enabled: bool) -> &'static str {
    match (matched, present) {
        (true, _) => "match",
        (false, true) if !enabled => "disabled",
        (false, true) => "no match",
        (false, false) => "absent",
    }
}

/// Progress on stderr: a bar redrawn in place on a terminal, or a line every 10 seconds.
#[derive(Debug)]
struct ProgressBar {
    mode: Option<bool>,
    total_bytes: u64,
    started: Instant,
    last: Instant,
    drawn: bool,
    checks: u32,
}

impl ProgressBar {
    fn new(progress: Progress, total_bytes: u64) -> ProgressBar {
        let terminal = std::io::stderr().is_terminal();
        // Some(true): redraw in place; Some(false): a plain line now and then; None: never.
        let mode = match progress {
            Progress::Never => None,
            Progress::Always => Some(true),
            Progress::Auto => Some(terminal),
        };
        let now = Instant::now();
        ProgressBar {
            mode,
            total_bytes,
            started: now,
            last: now,
            drawn: false,
            checks: 0,
        }
    }

    fn tick(&mut self, bytes: u64, events: u64) {
        let Some(redraw) = self.mode else {
            return;
        };
        // Read the clock once per 1024 events.
        self.checks = self.checks.wrapping_add(1);
        if !self.checks.is_multiple_of(1024) {
            return;
        }
        let now = Instant::now();
        let every = if redraw {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(10)
        };
        // A bar is drawn at the first check (1024 events in), then every 200 ms.
        let first_bar = redraw && self.checks == 1024;
        if now - self.last < every && !first_bar {
            return;
        }
        self.last = now;
        let elapsed = now - self.started;
        let fraction = if self.total_bytes > 0 {
            (bytes as f64 / self.total_bytes as f64).min(1.0)
        } else {
            0.0
        };
        let rate = per_second(events, elapsed);
        let eta = if fraction > 0.0 {
            let left = elapsed.as_secs_f64() * (1.0 - fraction) / fraction;
            format!("ETA {}", format_duration(Duration::from_secs_f64(left)))
        } else {
            "ETA ?".to_string()
        };
        let width = 30;
        let filled = (fraction * width as f64) as usize;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
        let text = format!(
            "[{bar}] {:>3}% {events} events, {rate} events/s, {eta}",
            (fraction * 100.0) as u32
        );
        if redraw {
            note_raw(&format!("\r{text}\x1b[K"));
            self.drawn = true;
        } else {
            note!("progress: {text}");
        }
    }

    /// Erases the bar (before other output).
    fn clear(&mut self) {
        if self.drawn {
            note_raw("\r\x1b[K");
            self.drawn = false;
        }
    }
}

/// `n` per second of `elapsed`, rounded.
pub fn per_second(n: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        0
    } else {
        (n as f64 / secs).round() as u64
    }
}

/// `1.23 s`, `45.6 ms`, `789 µs`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{} µs", d.as_micros())
    }
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub use crate::output::write_failed;
