//! Compiling a rule pack: the manifest read, every object loaded, checked against the host's
//! schemas and verified, the rules bucketed by event type and the cost budget checked, all
//! or nothing. The result, a [`Pack`], is immutable and shared by every thread that
//! evaluates with it.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::maps::Maps;
use crate::rule::{load_rules_carrying, Rule, RuleObject};

use super::error::{DiagnosticKind, PackDiagnostic, PackError};
use super::manifest::{Manifest, ManifestRule, Severity, MANIFEST_FILE};
use super::stats::StatsRegistry;
use super::EngineShared;

/// What a loaded pack is: its name and version, its rules, its cost per event type. Shared
/// (`Arc`) by the pack, its statistics and every [`Evaluation`](super::Evaluation) made
/// with it.
#[derive(Debug)]
pub struct PackInfo {
    /// From the manifest.
    pub name: String,
    pub version: String,
    /// The pack directory.
    pub path: PathBuf,
    /// Unique in the process, increasing in compile order.
    pub id: u64,
    /// Every program of every rule (enabled or not), in manifest order; an index into this
    /// is a rule index ([`Match::index`](super::Match::index), statistics).
    pub rules: Vec<RuleInfo>,
    /// For each event type of the host's schemas, the worst case of the enabled rules it
    /// meets.
    pub costs: Vec<EventCost>,
    /// How long reading, verifying and compiling the pack took.
    pub load_time: Duration,
}

/// One program of one rule of a pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule's id in the manifest.
    pub id: String,
    /// The program's (C function's) name.
    pub program: String,
    /// The object file, as the manifest names it.
    pub object: PathBuf,
    /// The event type's name and id.
    pub event: String,
    pub event_type: u32,
    pub severity: Severity,
    pub enabled: bool,
    /// The verifier's bound on the instructions one evaluation executes.
    pub worst_case_insns: u64,
    /// The maps of the rule's object taken over, contents included, from the pack that was
    /// running when this one was compiled (`keep_maps` in the manifest); empty otherwise.
    pub carried_maps: Vec<String>,
    /// With `keep_maps`: the maps the running rule had too whose state was not carried over
    /// and starts afresh (the definition changed, or it is writable global data), for the
    /// host to warn about. Empty otherwise.
    pub restarted_maps: Vec<String>,
}

/// The cost of one event type: the sum of the verifier's worst cases of the enabled rules it
/// meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCost {
    pub event: String,
    pub event_type: u32,
    pub worst_case_insns: u64,
    /// The rules (indices into [`PackInfo::rules`]), heaviest first.
    pub rules: Vec<usize>,
}

impl PackInfo {
    /// The rule with index `index`.
    pub fn rule(&self, index: usize) -> Option<&RuleInfo> {
        self.rules.get(index)
    }

    /// The cost of event type `event` (by name).
    pub fn cost(&self, event: &str) -> Option<&EventCost> {
        self.costs.iter().find(|c| c.event == event)
    }

    /// The largest per-event worst case over the event types.
    pub fn max_cost(&self) -> u64 {
        self.costs
            .iter()
            .map(|c| c.worst_case_insns)
            .max()
            .unwrap_or(0)
    }
}

/// A compiled pack, ready to evaluate events: immutable, `Send + Sync`. Made by
/// [`Engine::compile_pack`](super::Engine::compile_pack) and installed by
/// [`Engine::install`](super::Engine::install) (or both at once by
/// [`Engine::load_pack`](super::Engine::load_pack)).
#[derive(Debug)]
pub struct Pack {
    pub(crate) info: Arc<PackInfo>,
    /// Indexed by event type id: the enabled rules an event of that type meets.
    pub(crate) buckets: Vec<Vec<Slot>>,
    /// The maps of each object, shared by all its rules and every thread.
    pub(crate) objects: Vec<Maps>,
    /// The manifest id of the rule of each object, in the order of `objects`.
    pub(crate) object_ids: Vec<String>,
    pub(crate) stats: StatsRegistry,
    /// The engine that compiled it (its schemas and helpers).
    pub(crate) engine_id: u64,
}

/// An enabled rule in its bucket.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) rule: Rule,
    /// Index into [`Pack::objects`].
    pub(crate) object: u32,
    /// Index into [`PackInfo::rules`].
    pub(crate) index: u32,
}

impl Pack {
    /// What the pack is.
    pub fn info(&self) -> &Arc<PackInfo> {
        &self.info
    }

    /// The maps of the object of rule `id` (shared by all its programs), e.g. to seed a
    /// set or read counters; `None` for an unknown or disabled rule.
    pub fn maps(&self, id: &str) -> Option<&Maps> {
        let object = self
            .buckets
            .iter()
            .flatten()
            .find(|slot| self.info.rules[slot.index as usize].id == id)?
            .object;
        self.objects.get(object as usize)
    }

    /// The maps of the object of rule `id`, enabled or not.
    fn object_maps(&self, id: &str) -> Option<&Maps> {
        let object = self
            .object_ids
            .iter()
            .position(|object_id| object_id == id)?;
        self.objects.get(object)
    }
}

/// Reads, checks, verifies and compiles the pack in `dir` for `shared`'s schemas. The rules
/// with `keep_maps` take over the maps of `running`'s rule of the same id that match.
pub(crate) fn compile(
    dir: &Path,
    shared: &EngineShared,
    id: u64,
    running: Option<&Pack>,
) -> Result<Pack, PackError> {
    let started = Instant::now();
    let refuse = |diagnostics| PackError {
        pack: dir.to_path_buf(),
        diagnostics,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).map_err(|error| {
        refuse(vec![PackDiagnostic {
            file: manifest_path.clone(),
            rule: None,
            kind: DiagnosticKind::Io { error },
        }])
    })?;
    let manifest = Manifest::parse(&text, &manifest_path).map_err(refuse)?;
    let schemas = &shared.schemas;
    let mut diagnostics = Vec::new();
    for (event, version) in &manifest.schema_versions {
        match schemas.by_name(event) {
            None => diagnostics.push(PackDiagnostic {
                file: manifest_path.clone(),
                rule: None,
                kind: DiagnosticKind::UnknownEventType {
                    event: event.clone(),
                    known: schemas
                        .iter()
                        .map(|(_, s)| s.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            }),
            Some((_, schema)) if schema.version() != *version => diagnostics.push(PackDiagnostic {
                file: manifest_path.clone(),
                rule: None,
                kind: DiagnosticKind::SchemaVersion {
                    event: event.clone(),
                    pack: *version,
                    host: schema.version(),
                },
            }),
            Some(_) => {}
        }
    }
    let mut infos = Vec::new();
    let mut objects = Vec::new();
    let mut object_ids = Vec::new();
    // (rule, object index, rule index), enabled rules only.
    let mut enabled = Vec::new();
    let loaded = load_objects(dir, &manifest, shared, running);
    for (entry, loaded) in manifest.rules.iter().zip(loaded) {
        let file = dir.join(&entry.object);
        let diagnostic = |kind| PackDiagnostic {
            file: file.clone(),
            rule: Some(entry.id.clone()),
            kind,
        };
        let object = match loaded {
            Ok(object) => object,
            Err(kind) => {
                diagnostics.push(diagnostic(kind));
                continue;
            }
        };
        if object.rules.is_empty() {
            diagnostics.push(diagnostic(DiagnosticKind::NoPrograms));
            continue;
        }
        let object_idx = objects.len() as u32;
        for rule in object.rules {
            if !manifest
                .schema_versions
                .iter()
                .any(|(event, _)| *event == rule.event)
            {
                let host = schemas
                    .get(rule.event_type)
                    .map(|s| s.version())
                    .unwrap_or_default();
                diagnostics.push(diagnostic(DiagnosticKind::UnlistedEventType {
                    event: rule.event.clone(),
                    host,
                }));
            }
            let index = infos.len() as u32;
            infos.push(RuleInfo {
                id: entry.id.clone(),
                program: rule.name.clone(),
                object: entry.object.clone(),
                event: rule.event.clone(),
                event_type: rule.event_type,
                severity: entry.severity,
                enabled: entry.enabled,
                worst_case_insns: rule.verified().worst_case_insns(),
                carried_maps: object.carried.clone(),
                restarted_maps: object.restarted.clone(),
            });
            if entry.enabled {
                enabled.push((rule, object_idx, index));
            }
        }
        objects.push(object.maps);
        object_ids.push(entry.id.clone());
    }
    let mut costs = Vec::new();
    for (type_id, schema) in schemas.iter() {
        let mut rules: Vec<usize> = enabled
            .iter()
            .filter(|(rule, ..)| rule.event_type == type_id)
            .map(|(_, _, index)| *index as usize)
            .collect();
        rules.sort_by_key(|&i| std::cmp::Reverse(infos[i].worst_case_insns));
        let total = rules
            .iter()
            .map(|&i| infos[i].worst_case_insns)
            .fold(0u64, u64::saturating_add);
        if let Some(ceiling) = shared.max_cost_per_event {
            if total > ceiling {
                diagnostics.push(PackDiagnostic {
                    file: manifest_path.clone(),
                    rule: None,
                    kind: DiagnosticKind::OverBudget {
                        event: schema.name().to_string(),
                        event_type: type_id,
                        total,
                        ceiling,
                        heaviest: rules
                            .iter()
                            .take(5)
                            .map(|&i| {
                                let info: &RuleInfo = &infos[i];
                                (info.id.clone(), info.program.clone(), info.worst_case_insns)
                            })
                            .collect(),
                    },
                });
            }
        }
        costs.push(EventCost {
            event: schema.name().to_string(),
            event_type: type_id,
            worst_case_insns: total,
            rules,
        });
    }
    if !diagnostics.is_empty() {
        return Err(refuse(diagnostics));
    }
    let mut buckets: Vec<Vec<Slot>> = (0..shared.bucket_count()).map(|_| Vec::new()).collect();
    for (rule, object, index) in enabled {
        buckets[rule.event_type as usize].push(Slot {
            rule,
            object,
            index,
        });
    }
    let n_rules = infos.len();
    let info = Arc::new(PackInfo {
        name: manifest.name,
        version: manifest.version,
        path: dir.to_path_buf(),
        id,
        rules: infos,
        costs,
        load_time: started.elapsed(),
    });
    Ok(Pack {
        stats: StatsRegistry::new(n_rules),
        info,
        buckets,
        objects,
        object_ids,
        engine_id: shared.engine_id,
    })
}

/// Reads, verifies and compiles every object of the manifest, on as many threads as the host
/// has cores (objects are independent; verifying and compiling is most of a load). The
/// results are in manifest order.
fn load_objects(
    dir: &Path,
    manifest: &Manifest,
    shared: &EngineShared,
    running: Option<&Pack>,
) -> Vec<Result<RuleObject, DiagnosticKind>> {
    let no_maps = Maps::default();
    let load = |entry: &ManifestRule| {
        let bytes =
            std::fs::read(dir.join(&entry.object)).map_err(|error| DiagnosticKind::Io { error })?;
        let old = running
            .filter(|_| entry.keep_maps)
            .and_then(|pack| pack.object_maps(&entry.id))
            .unwrap_or(&no_maps);
        load_rules_carrying(&bytes, &shared.schemas, &shared.rule_config, old).map_err(|error| {
            DiagnosticKind::Rule {
                error: Box::new(error),
            }
        })
    };
    let entries = &manifest.rules;
    let threads = match shared.load_threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(entries.len());
    if threads <= 1 {
        return entries.iter().map(load).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<RuleObject, DiagnosticKind>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let idx = next.fetch_add(1, Ordering::Relaxed);
                            let Some(entry) = entries.get(idx) else {
                                return done;
                            };
                            done.push((idx, load(entry)));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| match worker.join() {
                    Ok(done) => done,
                    // A panic while loading is a bug; carry it to the caller's thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
    results.sort_by_key(|(idx, _)| *idx);
    results.into_iter().map(|(_, result)| result).collect()
}
