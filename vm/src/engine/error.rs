//! The engine's errors: [`PackError`] (a refused pack, with every [`PackDiagnostic`]),
//! [`EvalError`] (an event the engine cannot evaluate) and [`EngineError`] (building the
//! engine, rolling back).
#![forbid(unsafe_code)]

use std::fmt;
use std::path::PathBuf;

use crate::rule::RuleError;

/// A pack was refused. Holds every problem found, not just the first; the pack that was
/// running (if any) keeps running.
#[derive(Debug)]
pub struct PackError {
    /// The pack directory.
    pub pack: PathBuf,
    /// Every problem, in the order found (manifest, then rules in manifest order, then the
    /// cost budget).
    pub diagnostics: Vec<PackDiagnostic>,
}

impl std::error::Error for PackError {}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(
            f,
            "rule pack {} refused ({n} problem{}; nothing of it was loaded):",
            self.pack.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for diagnostic in &self.diagnostics {
            write!(f, "\n- {diagnostic}")?;
        }
        Ok(())
    }
}

/// One problem with a pack: the file it is in, the rule (if one), what and the fix.
#[derive(Debug)]
pub struct PackDiagnostic {
    /// The manifest or the rule object.
    pub file: PathBuf,
    /// The rule's id in the manifest, when the problem is a rule's.
    pub rule: Option<String>,
    pub kind: DiagnosticKind,
}

/// What is wrong.
#[derive(Debug)]
pub enum DiagnosticKind {
    /// A field of the manifest.
    Manifest {
        field: String,
        problem: String,
        fix: String,
    },
    /// A file cannot be read.
    Io { error: std::io::Error },
    /// The rule object is refused (layout, maps, verifier, ...).
    Rule { error: Box<RuleError> },
    /// The object holds no program.
    NoPrograms,
    /// The manifest names an event type the host's schemas lack.
    UnknownEventType { event: String, known: String },
    /// The rules were built against another version of an event type's schema.
    SchemaVersion { event: String, pack: u32, host: u32 },
    /// A rule is on an event type the manifest's `schema_versions` does not list.
    UnlistedEventType { event: String, host: u32 },
    /// The worst case of the rules one event type meets exceeds the engine's ceiling.
    OverBudget {
        event: String,
        event_type: u32,
        total: u64,
        ceiling: u64,
        /// The heaviest rules of that event type: (rule id, program, worst case), heaviest
        /// first, at most five.
        heaviest: Vec<(String, String, u64)>,
    },
}

impl fmt::Display for PackDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        let rule = match &self.rule {
            Some(rule) => format!(" (rule `{rule}`)"),
            None => String::new(),
        };
        match &self.kind {
            DiagnosticKind::Manifest {
                field,
                problem,
                fix,
            } => write!(f, "{file}: {field}: {problem}; {fix}"),
            DiagnosticKind::Io { error } => write!(
                f,
                "{file}{rule}: cannot read it: {error}; check the path (relative to the pack directory) and permissions"
            ),
            DiagnosticKind::Rule { error } => write!(f, "{file}{rule}: {error}"),
            DiagnosticKind::NoPrograms => write!(
                f,
                "{file}{rule}: the object holds no program; put the rule's function in SEC(\"<event type>\")"
            ),
            DiagnosticKind::UnknownEventType { event, known } => write!(
                f,
                "{file}: schema_versions.{event}: the host has no event type `{event}` (it has {known}); rebuild the pack for this host's schemas"
            ),
            DiagnosticKind::SchemaVersion { event, pack, host } => write!(
                f,
                "{file}: schema_versions.{event}: the pack was built against version {pack} of `{event}`, the host has version {host}; rebuild the rules against the host's header (`ringfence schema --c-header`) and update schema_versions"
            ),
            DiagnosticKind::UnlistedEventType { event, host } => write!(
                f,
                "{file}{rule}: the rule is on `{event}`, which schema_versions does not list; add \"{event}\": {host} (if the rule was built against that version)"
            ),
            DiagnosticKind::OverBudget {
                event,
                event_type,
                total,
                ceiling,
                heaviest,
            } => {
                write!(
                    f,
                    "{file}: a `{event}` event (type {event_type}) meets rules whose worst cases add up to {total} instructions, over the engine's ceiling of {ceiling}; heaviest: "
                )?;
                let list: Vec<String> = heaviest
                    .iter()
                    .map(|(id, program, insns)| {
                        if id == program {
                            format!("`{id}` {insns}")
                        } else {
                            format!("`{id}` ({program}) {insns}")
                        }
                    })
                    .collect();
                write!(
                    f,
                    "{}; disable or simplify rules on `{event}`, or raise the ceiling",
                    list.join(", ")
                )
            }
        }
    }
}

/// An event the engine cannot evaluate. Nothing was evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("event type {type_id} is not one of the engine's schemas; encode events with the engine's encoder (`Engine::encoder`)")]
    UnknownEventType { type_id: u32 },
    #[error(
        "the event's fixed part is {found} bytes, event type `{event}` has {expected}; build events with the engine's encoder or `EventBuf::reset(type_id, layout.size)`"
    )]
    WrongFixedLen {
        event: String,
        found: usize,
        expected: usize,
    },
    #[error(
        "the event's data area is {found} bytes, over `{event}`'s bound of {max}; the encoder refuses such events, build them with it"
    )]
    DataTooLong {
        event: String,
        found: usize,
        max: usize,
    },
}

/// Building an engine, or rolling back, failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the engine has no schemas; use SchemaSet::endpoint() or declare some")]
    NoSchemas,
    #[error(
        "event type `{event}` has id {type_id}; the engine indexes rules by type id and takes ids up to {max}: renumber the event types"
    )]
    TypeIdTooLarge {
        event: String,
        type_id: u32,
        max: u32,
    },
    #[error("nothing to roll back to: no pack was replaced since the engine started (or the previous one was released)")]
    NoPrevious,
    #[error("pack `{pack}` was compiled by another engine (other schemas or helpers); compile it with this engine's `compile_pack`")]
    ForeignPack { pack: String },
    #[error("extra helper {id} (`{name}`): {problem}")]
    Helper {
        id: u32,
        name: String,
        problem: String,
    },
}
