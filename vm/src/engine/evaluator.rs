//! Evaluating events: an [`Evaluator`] is one thread's handle on the engine, with its own
//! scratch (run state, output buffers, statistics block); its [`Evaluation`] is reused from
//! event to event, so the hot path allocates nothing once the buffers have grown.
//!
//! Each call to [`Evaluator::evaluate`] takes the running pack once (an `arc-swap` load: no
//! lock, no shared write) and evaluates the event's bucket with that pack alone: an event is
//! evaluated by exactly one pack even while another thread swaps packs.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Instant;

use crate::backend::Scratch;
use crate::error::RunError;
use crate::event::EventBuf;
use crate::helpers::RunState;
use crate::rf_helpers::Alert;

use super::error::EvalError;
use super::pack::{PackInfo, RuleInfo};
use super::stats::ThreadStats;
use super::Engine;

/// One thread's handle for evaluating events. `Send`, so it can be made on one thread and
/// moved to another; make one per thread ([`Engine::evaluator`]) and keep it.
#[derive(Debug)]
pub struct Evaluator {
    engine: Engine,
    out: Evaluation,
    state: RunState,
    /// The rules' stack and context copy, reused for every rule and event.
    scratch: Scratch,
    /// The pack this evaluator last met and its counters for it.
    current: Option<(u64, Arc<ThreadStats>)>,
    events: u64,
    timing_mask: Option<u64>,
}

/// What evaluating one event gave: which rules matched, the alerts they raised, and any
/// faults. Borrowed from the [`Evaluator`] until its next evaluation.
///
/// Lines rules print with `bpf_trace_printk` are not kept (`ringfence trace` shows them).
#[derive(Debug, Default)]
pub struct Evaluation {
    pack: Option<Arc<PackInfo>>,
    event_type: u32,
    evaluated: u32,
    matched: Vec<u32>,
    alerts: Vec<RuleAlert>,
    alerts_dropped: u64,
    faults: Vec<RuleFault>,
}

/// An alert with the rule that raised it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleAlert {
    /// Index into [`PackInfo::rules`].
    pub rule: u32,
    pub alert: Alert,
}

/// A rule whose evaluation faulted (its verdict counts as no match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFault {
    /// Index into [`PackInfo::rules`].
    pub rule: u32,
    pub error: RunError,
}

/// A rule that matched.
#[derive(Clone, Copy, Debug)]
pub struct Match<'a> {
    /// Index into [`PackInfo::rules`].
    pub index: usize,
    pub rule: &'a RuleInfo,
}

impl Evaluator {
    pub(crate) fn new(engine: Engine) -> Evaluator {
        let timing_mask = engine.shared().timing.mask();
        Evaluator {
            engine,
            out: Evaluation::default(),
            state: RunState::default(),
            scratch: Scratch::new(),
            current: None,
            events: 0,
            timing_mask,
        }
    }

    /// Fixes what `ktime_get_ns` returns to rules (deterministic replays and tests), or
    /// `None` for the host's monotonic clock (the default).
    pub fn set_clock_ns(&mut self, clock_ns: Option<u64>) {
        self.state.clock_ns = clock_ns;
    }

    /// The engine this evaluator evaluates with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Evaluates `event` with the running pack: every enabled rule of the event's type, in
    /// pack order. With no pack loaded, nothing matches (and [`Evaluation::pack`] is
    /// `None`). Refuses events not laid out as the engine's schema for their type says.
    pub fn evaluate(&mut self, event: &EventBuf) -> Result<&Evaluation, EvalError> {
        let shared = self.engine.shared();
        let type_id = event.type_id();
        let Some(Some(layout)) = shared.types.get(type_id as usize) else {
            return Err(EvalError::UnknownEventType { type_id });
        };
        if event.fixed_len() != layout.fixed_len {
            return Err(EvalError::WrongFixedLen {
                event: layout.name.clone(),
                found: event.fixed_len(),
                expected: layout.fixed_len,
            });
        }
        if event.data_len() > layout.max_data_len {
            return Err(EvalError::DataTooLong {
                event: layout.name.clone(),
                found: event.data_len(),
                max: layout.max_data_len,
            });
        }
        let out = &mut self.out;
        out.matched.clear();
        out.alerts.clear();
        out.faults.clear();
        out.alerts_dropped = 0;
        out.evaluated = 0;
        out.event_type = type_id;
        let guard = shared.current.load();
        let Some(pack) = guard.as_ref() else {
            out.pack = None;
            self.current = None;
            return Ok(&self.out);
        };
        let stats = match &self.current {
            Some((id, stats)) if *id == pack.info.id => stats,
            _ => {
                // First event with this pack: register a statistics block (the one lock,
                // once per evaluator and pack) and remember the pack's description.
                out.pack = Some(Arc::clone(&pack.info));
                &self.current.insert((pack.info.id, pack.stats.register())).1
            }
        };
        stats.count_event();
        let timed = self.timing_mask.is_some_and(|mask| self.events & mask == 0);
        self.events = self.events.wrapping_add(1);
        let bucket = &pack.buckets[type_id as usize];
        if bucket.is_empty() {
            return Ok(&self.out);
        }
        // The event is checked against the bucket's entry contract and copied once, by the
        // first rule, for all of them (see `PreparedEvent`).
        let mut prepared = self.scratch.prepare(event);
        for slot in bucket {
            self.state.clear();
            let started = timed.then(Instant::now);
            let result = slot
                .rule
                .evaluate_prepared(&mut prepared, Some(&mut self.state));
            if let Some(started) = started {
                stats.rules[slot.index as usize].time(started.elapsed().as_nanos() as u64);
            }
            let hit = matches!(result, Ok(verdict) if verdict != 0);
            stats.rules[slot.index as usize].count(hit, result.is_err());
            out.evaluated += 1;
            match result {
                Ok(0) => {}
                Ok(_) => out.matched.push(slot.index),
                Err(error) => out.faults.push(RuleFault {
                    rule: slot.index,
                    error,
                }),
            }
            out.alerts_dropped += self.state.alerts.dropped();
            for alert in self.state.alerts.alerts() {
                out.alerts.push(RuleAlert {
                    rule: slot.index,
                    alert: *alert,
                });
            }
        }
        Ok(&self.out)
    }
}

impl Evaluation {
    /// The pack that evaluated the event, or `None` when no pack was loaded.
    pub fn pack(&self) -> Option<&Arc<PackInfo>> {
        self.pack.as_ref()
    }

    /// The event's type id.
    pub fn event_type(&self) -> u32 {
        self.event_type
    }

    /// How many rules the event met (the enabled rules of its type).
    pub fn rules_evaluated(&self) -> usize {
        self.evaluated as usize
    }

    /// Whether any rule matched.
    pub fn is_match(&self) -> bool {
        !self.matched.is_empty()
    }

    /// The indices (into [`PackInfo::rules`]) of the rules that matched, in pack order.
    pub fn matched_indices(&self) -> &[u32] {
        &self.matched
    }

    /// The rules that matched, in pack order.
    pub fn matches(&self) -> impl Iterator<Item = Match<'_>> + '_ {
        self.matched.iter().filter_map(|&index| {
            let rule = self.pack.as_ref()?.rules.get(index as usize)?;
            Some(Match {
                index: index as usize,
                rule,
            })
        })
    }

    /// The alerts raised (`rf_alert`), with the rule that raised each, in order.
    pub fn alerts(&self) -> &[RuleAlert] {
        &self.alerts
    }

    /// Alerts refused because one rule raised more than the sink holds in one evaluation
    /// ([`DEFAULT_MAX_ALERTS`](crate::rf_helpers::DEFAULT_MAX_ALERTS)); `rf_alert` returned
    /// `-ENOSPC` to the rule for each.
    pub fn alerts_dropped(&self) -> u64 {
        self.alerts_dropped
    }

    /// The rule with index `index` in the evaluating pack.
    pub fn rule(&self, index: u32) -> Option<&RuleInfo> {
        self.pack.as_ref()?.rules.get(index as usize)
    }

    /// The rules that faulted (a verified rule faults only when a helper refuses its
    /// arguments); their verdict counts as no match.
    pub fn faults(&self) -> &[RuleFault] {
        &self.faults
    }
}
