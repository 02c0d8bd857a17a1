//! Per-rule statistics, counted per thread and merged on read.
//!
//! Each [`Evaluator`](super::Evaluator) counts into its own block of counters for the pack it
//! evaluates with (registered with the pack once, when the evaluator first meets it): one
//! writer per block, so a count is a relaxed load and store on a cache line no other thread
//! writes — no atomic read-modify-write, no lock on the hot path. A reader
//! ([`Engine::stats`](super::Engine::stats)) sums the blocks. Timing is sampled (see
//! [`Timing`]) because reading the clock costs as much as a small rule.
#![forbid(unsafe_code)]

use std::sync::atomic::{fence, AtomicU64, Ordering::Acquire, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::pack::PackInfo;

/// How evaluations are timed for the statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Never: `timed_evaluations` stays 0.
    Off,
    /// Every rule of one event in `every` (a power of two, rounded up), per evaluator.
    Sampled { every: u32 },
    /// Every evaluation (exact totals; reading the clock twice per rule costs).
    Every,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing::Sampled { every: 64 }
    }
}

impl Timing {
    /// The mask an evaluator's event count is tested against (`count & mask == 0` means
    /// time this event), or `None` for never.
    pub(crate) fn mask(self) -> Option<u64> {
        match self {
            Timing::Off => None,
            Timing::Every => Some(0),
            Timing::Sampled { every } => Some(u64::from(every.max(1)).next_power_of_two() - 1),
        }
    }
}

/// The statistics of one rule (one program of a pack), summed over threads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Index into [`PackInfo::rules`].
    pub index: usize,
    /// Events this rule was evaluated on.
    pub evaluations: u64,
    /// Evaluations whose verdict was 1.
    pub hits: u64,
    /// Evaluations that faulted (a helper refused its arguments; verdict taken as 0).
    pub faults: u64,
    /// Evaluations that were timed, and their total time in nanoseconds.
    pub timed_evaluations: u64,
    pub timed_ns: u64,
    /// The slowest timed evaluation, in nanoseconds.
    pub max_ns: u64,
    /// The verifier's bound on instructions per evaluation.
    pub worst_case_insns: u64,
}

impl RuleStats {
    /// The mean time of a timed evaluation.
    pub fn mean_time(&self) -> Option<Duration> {
        (self.timed_evaluations > 0)
            .then(|| Duration::from_nanos(self.timed_ns / self.timed_evaluations))
    }

    /// The total time spent in this rule: exact under [`Timing::Every`], extrapolated from
    /// the samples otherwise.
    pub fn estimated_total_time(&self) -> Option<Duration> {
        (self.timed_evaluations > 0).then(|| {
            let ns =
                self.timed_ns as u128 * self.evaluations as u128 / self.timed_evaluations as u128;
            Duration::from_nanos(ns.min(u64::MAX as u128) as u64)
        })
    }
}

/// The statistics of one pack.
#[derive(Clone, Debug)]
pub struct PackStats {
    pub pack: Arc<PackInfo>,
    /// Events evaluated with this pack (of any type, including those that met no rule).
    pub events: u64,
    /// One per rule, in [`PackInfo::rules`] order.
    pub rules: Vec<RuleStats>,
}

/// One thread's counters for one rule. Written by one evaluator only.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    evaluations: AtomicU64,
    hits: AtomicU64,
    faults: AtomicU64,
    timed: AtomicU64,
    timed_ns: AtomicU64,
    max_ns: AtomicU64,
}

/// Adds to a counter that only this thread writes: a plain load and store, no lock prefix.
#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
}

impl Counters {
    #[inline]
    pub(crate) fn count(&self, hit: bool, fault: bool) {
        bump(&self.evaluations, 1);
        if hit {
            bump(&self.hits, 1);
        }
        if fault {
            bump(&self.faults, 1);
        }
    }

    #[inline]
    pub(crate) fn time(&self, ns: u64) {
        bump(&self.timed, 1);
        bump(&self.timed_ns, ns);
        if ns > self.max_ns.load(Relaxed) {
            self.max_ns.store(ns, Relaxed);
        }
    }

    fn add_to(&self, stats: &mut RuleStats) {
        stats.evaluations += self.evaluations.load(Relaxed);
        stats.hits += self.hits.load(Relaxed);
        stats.faults += self.faults.load(Relaxed);
        stats.timed_evaluations += self.timed.load(Relaxed);
        stats.timed_ns += self.timed_ns.load(Relaxed);
        stats.max_ns = stats.max_ns.max(self.max_ns.load(Relaxed));
    }

    /// Adds `other` into `self` (both quiescent: `other`'s writer is gone, and `self` is
    /// written under the registry's lock only).
    fn absorb(&self, other: &Counters) {
        for (mine, theirs) in [
            (&self.evaluations, &other.evaluations),
            (&self.hits, &other.hits),
            (&self.faults, &other.faults),
            (&self.timed, &other.timed),
            (&self.timed_ns, &other.timed_ns),
        ] {
            mine.fetch_add(theirs.load(Relaxed), Relaxed);
        }
        self.max_ns.fetch_max(other.max_ns.load(Relaxed), Relaxed);
    }
}

/// One evaluator's counters for one pack.
#[derive(Debug)]
pub(crate) struct ThreadStats {
    pub(crate) events: AtomicU64,
    pub(crate) rules: Box<[Counters]>,
}

impl ThreadStats {
    fn new(n_rules: usize) -> ThreadStats {
        ThreadStats {
            events: AtomicU64::new(0),
            rules: (0..n_rules).map(|_| Counters::default()).collect(),
        }
    }

    #[inline]
    pub(crate) fn count_event(&self) {
        bump(&self.events, 1);
    }
}

/// The blocks of one pack's evaluators. The lock is taken when an evaluator first meets the
/// pack and when statistics are read, never per event.
#[derive(Debug)]
pub(crate) struct StatsRegistry {
    n_rules: usize,
    inner: Mutex<Registry>,
}

#[derive(Debug)]
struct Registry {
    live: Vec<Arc<ThreadStats>>,
    /// The sums of blocks whose evaluator is gone.
    retired: ThreadStats,
}

impl StatsRegistry {
    pub(crate) fn new(n_rules: usize) -> StatsRegistry {
        StatsRegistry {
            n_rules,
            inner: Mutex::new(Registry {
                live: Vec::new(),
                retired: ThreadStats::new(n_rules),
            }),
        }
    }

    /// A new block for an evaluator meeting this pack.
    pub(crate) fn register(&self) -> Arc<ThreadStats> {
        let block = Arc::new(ThreadStats::new(self.n_rules));
        let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        registry.retire_orphans();
        registry.live.push(Arc::clone(&block));
        block
    }

    /// The sums over every block.
    pub(crate) fn read(&self, pack: &Arc<PackInfo>) -> PackStats {
        let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        registry.retire_orphans();
        let mut rules: Vec<RuleStats> = pack
            .rules
            .iter()
            .enumerate()
            .map(|(index, info)| RuleStats {
                index,
                worst_case_insns: info.worst_case_insns,
                ..RuleStats::default()
            })
            .collect();
        let mut events = 0;
        for block in registry
            .live
            .iter()
            .map(|b| &**b)
            .chain([&registry.retired])
        {
            events += block.events.load(Relaxed);
            for (counters, stats) in block.rules.iter().zip(&mut rules) {
                counters.add_to(stats);
            }
        }
        PackStats {
            pack: Arc::clone(pack),
            events,
            rules,
        }
    }
}

impl Registry {
    /// Folds the blocks no evaluator holds any more into `retired`, so the list stays as
    /// long as the number of live evaluators.
    fn retire_orphans(&mut self) {
        let retired = &self.retired;
        self.live.retain(|block| {
            if Arc::strong_count(block) > 1 {
                return true;
            }
            // The evaluator's last writes happened before it dropped its `Arc` (a release
            // decrement); this fence makes them visible here.
            fence(Acquire);
            retired
                .events
                .fetch_add(block.events.load(Relaxed), Relaxed);
            for (mine, theirs) in retired.rules.iter().zip(block.rules.iter()) {
                mine.absorb(theirs);
            }
            false
        });
    }
}
