//! The embeddable engine: load a rule pack, evaluate events from many threads, swap packs
//! while events flow.
//!
//! ```no_run
//! use ringfence_vm::engine::Engine;
//! use ringfence_vm::event::{EventBuf, SchemaSet};
//!
//! let engine = Engine::builder().schemas(SchemaSet::endpoint()).build()?;
//! engine.load_pack("examples/packs/endpoint")?;
//! let mut evaluator = engine.evaluator(); // one per thread
//! let mut event = EventBuf::new();
//! engine.encoder().encode_line(r#"{"type": "process_exec", "exe": "/usr/bin/nc"}"#, 1, &mut event)?;
//! for m in evaluator.evaluate(&event)?.matches() {
//!     println!("{} ({})", m.rule.id, m.rule.severity);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Module map:
//! - [`manifest`]: `pack.json`, the pack's manifest, and [`Severity`];
//! - `pack`: compiling a pack directory into a [`Pack`] (all or nothing), [`PackInfo`];
//! - `evaluator`: [`Evaluator`], one thread's handle, and its [`Evaluation`];
//! - `stats`: per-rule statistics counted per thread, merged on read;
//! - `error`: [`PackError`] (with every [`PackDiagnostic`]), [`EvalError`], [`EngineError`].
//!
//! # What the engine guarantees
//! - **All or nothing.** [`Engine::load_pack`] reads the manifest, loads every object,
//!   checks it against the host's schemas, verifies every rule and checks the cost budget;
//!   any problem refuses the whole pack with every diagnostic, and the running pack keeps
//!   running. A pack is never partly installed.
//! - **Bucketing.** An event meets only the enabled rules of its event type (a vector indexed
//!   by type id).
//! - **No lock on the hot path.** [`Evaluator::evaluate`] takes the running pack with one
//!   `arc-swap` load (no lock, no write to shared memory), counts statistics into counters
//!   only its thread writes, and reuses its buffers.
//! - **Exactly one pack per event.** An evaluation uses the pack it took at its start to the
//!   end; a swap ([`Engine::load_pack`], [`Engine::install`], [`Engine::rollback`]) is one
//!   atomic pointer store, so every event is evaluated by the old pack or the new one, once.
//!   The old pack is freed when its last evaluation ends (or kept, one deep, for rollback).
//! - **Cost budget.** For each event type, the sum of the verifier's worst cases of the rules
//!   it meets ([`PackInfo::costs`]); with [`EngineBuilder::max_cost_per_event`], a pack over
//!   it is refused, naming the event type, the total and the heaviest rules.
//!
//! Architecture Invariant: this module has no `unsafe`; it runs rules only through
//! [`Rule`](crate::rule::Rule)'s API, so every rule it runs was verified at load.
#![forbid(unsafe_code)]

pub mod manifest;

mod error;
mod evaluator;
mod pack;
mod stats;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use ringfence_verifier::{HelperSig, RetKind};

use crate::backend::Backend;
use crate::event::{Encoder, SchemaSet};
use crate::helpers::Helper;
use crate::rf_helpers::rf_helper;
use crate::rule::program_type::linux_helpers;
use crate::rule::RuleConfig;

pub use error::{DiagnosticKind, EngineError, EvalError, PackDiagnostic, PackError};
pub use evaluator::{Evaluation, Evaluator, Match, RuleAlert, RuleFault};
pub use manifest::{Manifest, ManifestRule, Severity, MANIFEST_FILE};
pub use pack::{EventCost, Pack, PackInfo, RuleInfo};
pub use stats::{PackStats, RuleStats, Timing};

/// The largest event type id the engine takes (rules are bucketed in a vector indexed by it).
pub const MAX_TYPE_ID: u32 = 4095;

/// The engine: the host's schemas, the running pack, and the previous one (for rollback).
/// Cheap to clone (one `Arc`), `Send + Sync`: share it between threads, and give each thread
/// its own [`Evaluator`].
#[derive(Clone, Debug)]
pub struct Engine {
    shared: Arc<EngineShared>,
}

/// What [`EngineBuilder`] sets.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The event types rules are loaded against and events are encoded with.
    pub schemas: SchemaSet,
    /// How each rule object is loaded (engine backend, per-rule worst-case ceiling).
    pub rule_config: RuleConfig,
    /// Refuse a pack whose rules on one event type may together execute more instructions
    /// per event than this.
    pub max_cost_per_event: Option<u64>,
    /// How evaluations are timed for the statistics.
    pub timing: Timing,
    /// Threads that verify and compile a pack's objects (0: one per core).
    pub load_threads: usize,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            schemas: SchemaSet::endpoint(),
            rule_config: RuleConfig::default(),
            max_cost_per_event: None,
            timing: Timing::default(),
            load_threads: 0,
        }
    }
}

/// Builds an [`Engine`]; every setting has a default (the built-in endpoint schemas, no cost
/// ceiling, sampled timing).
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    config: EngineConfig,
}

impl EngineBuilder {
    /// The event types (default: [`SchemaSet::endpoint`]).
    pub fn schemas(mut self, schemas: SchemaSet) -> EngineBuilder {
        self.config.schemas = schemas;
        self
    }

    /// How rule objects are loaded (engine backend, per-rule worst-case ceiling).
    pub fn rule_config(mut self, rule_config: RuleConfig) -> EngineBuilder {
        self.config.rule_config = rule_config;
        self
    }

    /// The engine rules run on (default: the JIT where the host has one, else the fast
    /// interpreter); shorthand for setting `rule_config.backend`.
    pub fn backend(mut self, backend: Backend) -> EngineBuilder {
        self.config.rule_config.backend = backend;
        self
    }

    /// Refuses packs whose rules on one event type may together execute more than
    /// `max_insns` instructions per event.
    pub fn max_cost_per_event(mut self, max_insns: u64) -> EngineBuilder {
        self.config.max_cost_per_event = Some(max_insns);
        self
    }

    /// Adds a host helper rules may call as number `id` (declare it in C as
    /// `static long (*name)(...) = (void *)id;`): `sig` is what the verifier checks calls
    /// against, `helper` runs them (reading rule memory only through its checked
    /// [`Memory`](crate::Memory)). The number must be free (not a Linux or rf_* helper's)
    /// and the helper must return a scalar; [`build`](Self::build) checks both.
    pub fn helper(mut self, id: u32, sig: HelperSig, helper: Helper) -> EngineBuilder {
        self.config
            .rule_config
            .extra_helpers
            .push((id, sig, helper));
        self
    }

    /// How evaluations are timed for the statistics (default: one event in 64).
    pub fn timing(mut self, timing: Timing) -> EngineBuilder {
        self.config.timing = timing;
        self
    }

    /// Verifies and compiles a pack's objects on `threads` threads (default 0: one per
    /// core; 1 loads on the calling thread only).
    pub fn load_threads(mut self, threads: usize) -> EngineBuilder {
        self.config.load_threads = threads;
        self
    }

    /// The engine, with no pack loaded yet.
    pub fn build(self) -> Result<Engine, EngineError> {
        Engine::new(self.config)
    }
}

/// What every clone of an engine and every evaluator shares.
#[derive(Debug)]
pub(crate) struct EngineShared {
    pub(crate) schemas: SchemaSet,
    pub(crate) encoder: Encoder,
    pub(crate) rule_config: RuleConfig,
    pub(crate) max_cost_per_event: Option<u64>,
    pub(crate) timing: Timing,
    pub(crate) load_threads: usize,
    /// Indexed by type id: what an event of that type must look like.
    pub(crate) types: Vec<Option<TypeShape>>,
    /// The running pack.
    pub(crate) current: ArcSwapOption<Pack>,
    /// Serialises the writers (install, rollback); holds the pack rollback returns to.
    previous: Mutex<Option<Arc<Pack>>>,
    /// Unique in the process: a pack records the engine that compiled it.
    pub(crate) engine_id: u64,
}

/// Ids of engines and of packs, unique in the process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The shape of an event type's events, checked before a rule sees one.
#[derive(Debug)]
pub(crate) struct TypeShape {
    pub(crate) name: String,
    pub(crate) fixed_len: usize,
    pub(crate) max_data_len: usize,
}

impl EngineShared {
    /// One bucket per type id up to the largest.
    pub(crate) fn bucket_count(&self) -> usize {
        self.types.len()
    }
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// An engine with `config`, with no pack loaded yet.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        let schemas = config.schemas;
        if schemas.is_empty() {
            return Err(EngineError::NoSchemas);
        }
        check_extra_helpers(&config.rule_config)?;
        let mut types: Vec<Option<TypeShape>> = Vec::new();
        for (type_id, schema) in schemas.iter() {
            if type_id > MAX_TYPE_ID {
                return Err(EngineError::TypeIdTooLarge {
                    event: schema.name().to_string(),
                    type_id,
                    max: MAX_TYPE_ID,
                });
            }
            let at = type_id as usize;
            if types.len() <= at {
                types.resize_with(at + 1, || None);
            }
            let layout = schema.layout();
            types[at] = Some(TypeShape {
                name: schema.name().to_string(),
                fixed_len: layout.size as usize,
                max_data_len: layout.max_data_len as usize,
            });
        }
        Ok(Engine {
            shared: Arc::new(EngineShared {
                encoder: Encoder::new(&schemas),
                schemas,
                rule_config: config.rule_config,
                max_cost_per_event: config.max_cost_per_event,
                timing: config.timing,
                load_threads: config.load_threads,
                types,
                current: ArcSwapOption::empty(),
                previous: Mutex::new(None),
                engine_id: next_id(),
            }),
        })
    }

    pub(crate) fn shared(&self) -> &EngineShared {
        &self.shared
    }

    /// The event types.
    pub fn schemas(&self) -> &SchemaSet {
        &self.shared.schemas
    }

    /// An encoder for the engine's event types (JSON to [`EventBuf`](crate::event::EventBuf)).
    pub fn encoder(&self) -> &Encoder {
        &self.shared.encoder
    }

    /// A new handle for evaluating events on one thread.
    pub fn evaluator(&self) -> Evaluator {
        Evaluator::new(self.clone())
    }

    /// Reads, verifies and compiles the pack in directory `dir` without installing it: for
    /// checking a pack, or installing it later with [`install`](Self::install). Rules marked
    /// `keep_maps` in its manifest share the maps of the running pack's rule of the same id
    /// (those of the same name and definition), so their state lives on across the swap;
    /// [`RuleInfo::carried_maps`](pack::RuleInfo::carried_maps) names them.
    pub fn compile_pack(&self, dir: impl AsRef<Path>) -> Result<Pack, PackError> {
        let running = self.current_pack();
        pack::compile(dir.as_ref(), &self.shared, next_id(), running.as_deref())
    }

    /// Compiles the pack in directory `dir` and makes it the running pack; the pack it
    /// replaces is kept for [`rollback`](Self::rollback). On any problem nothing changes and
    /// the error lists every problem found.
    pub fn load_pack(&self, dir: impl AsRef<Path>) -> Result<Arc<PackInfo>, PackError> {
        let pack = self.compile_pack(dir)?;
        let info = Arc::clone(pack.info());
        self.install(pack)
            .expect("a pack this engine compiled is this engine's");
        Ok(info)
    }

    /// Makes `pack` (compiled by this engine) the running pack, atomically: evaluations that
    /// started before finish with the old pack, later ones use `pack`. Returns the replaced
    /// pack's description; the replaced pack is kept for [`rollback`](Self::rollback), and
    /// the one kept before it is freed when its last evaluation ends.
    /// A pack compiled by another engine (other schemas, other helpers) is refused.
    pub fn install(&self, pack: Pack) -> Result<Option<Arc<PackInfo>>, EngineError> {
        if pack.engine_id != self.shared.engine_id {
            return Err(EngineError::ForeignPack {
                pack: pack.info.name.clone(),
            });
        }
        let mut previous = self.lock_previous();
        let old = self.shared.current.swap(Some(Arc::new(pack)));
        let info = old.as_ref().map(|p| Arc::clone(&p.info));
        *previous = old;
        Ok(info)
    }

    /// Makes the previous pack the running pack again (and the running one the previous, so
    /// a second rollback undoes the first). Returns the now running pack's description.
    pub fn rollback(&self) -> Result<Arc<PackInfo>, EngineError> {
        let mut previous = self.lock_previous();
        let Some(back) = previous.take() else {
            return Err(EngineError::NoPrevious);
        };
        let info = Arc::clone(&back.info);
        *previous = self.shared.current.swap(Some(back));
        Ok(info)
    }

    /// Frees the pack kept for rollback (once its last evaluation ends).
    pub fn release_previous(&self) -> Option<Arc<PackInfo>> {
        self.lock_previous().take().map(|p| Arc::clone(&p.info))
    }

    /// The running pack's description.
    pub fn current(&self) -> Option<Arc<PackInfo>> {
        self.shared
            .current
            .load()
            .as_ref()
            .map(|p| Arc::clone(&p.info))
    }

    /// The running pack itself (e.g. to read its maps); holding it keeps it alive.
    pub fn current_pack(&self) -> Option<Arc<Pack>> {
        self.shared.current.load_full()
    }

    /// The pack kept for rollback, if any.
    pub fn previous(&self) -> Option<Arc<PackInfo>> {
        self.lock_previous().as_ref().map(|p| Arc::clone(&p.info))
    }

    /// The running pack's per-rule statistics, summed over every evaluator.
    pub fn stats(&self) -> Option<PackStats> {
        let pack = self.shared.current.load_full()?;
        Some(pack.stats())
    }

    fn lock_previous(&self) -> std::sync::MutexGuard<'_, Option<Arc<Pack>>> {
        self.shared
            .previous
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Refuses extra helpers that take a number already used, or return anything but a scalar
/// (a pointer the verifier would trust is not something a host closure can promise).
fn check_extra_helpers(config: &RuleConfig) -> Result<(), EngineError> {
    let builtin = linux_helpers();
    for (idx, (id, sig, _)) in config.extra_helpers.iter().enumerate() {
        let problem = if let Some((_, taken)) = builtin.iter().find(|(n, _)| *n as u32 == *id) {
            Some(format!(
                "the number is Linux's `{}`; choose a number from 2000 up",
                taken.name
            ))
        } else if let Some(rf) = rf_helper(*id) {
            Some(format!(
                "the number is ringfence's `{}`; choose a number from 2000 up",
                rf.name
            ))
        } else if config.extra_helpers[..idx]
            .iter()
            .any(|(other, ..)| other == id)
        {
            Some("the number is given twice".to_string())
        } else if sig.ret != RetKind::Scalar {
            Some(format!(
                "it returns {:?}; extra helpers return a scalar",
                sig.ret
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(EngineError::Helper {
                id: *id,
                name: sig.name.clone(),
                problem,
            });
        }
    }
    Ok(())
}

impl Pack {
    /// The pack's per-rule statistics, summed over every evaluator that used it.
    pub fn stats(&self) -> PackStats {
        self.stats.read(&self.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_and_packs_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Engine>();
        send_sync::<Pack>();
        send_sync::<PackInfo>();
        send::<Evaluator>();
    }
}
