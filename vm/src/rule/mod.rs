//! Detection rules: ELF objects compiled from C, checked against the host's event schemas,
//! verified, and evaluated on events.
//!
//! Loading a rule object ([`load_rules`]) goes, for every program in it:
//! 1. the section names the event type (`SEC("process_exec")`), which must be one of the
//!    host's schemas;
//! 2. the rule's view of the event — the `struct rf_<event>` clang recorded in the object's
//!    BTF — must equal the host's layout field for field, or the rule is refused before
//!    verification, naming the field (the lesson of Channel File 291: the validator and the
//!    interpreter must agree on the input layout);
//! 3. the verifier proves the program safe for that layout, the object's maps and the host's
//!    helpers;
//! 4. the engine is built from the [`VerifiedProgram`]: [`RuleConfig::backend`] chooses the
//!    JIT (the default where the host has one), the fast interpreter or the checked
//!    interpreter ([`Backend`]); every rule also keeps a checked interpreter for
//!    [`Rule::evaluate_observed`].
//!
//! All or nothing: one failure refuses the whole object, and nothing of it is kept.
//!
//! # Evaluating events
//!
//! [`Rule::evaluate_with`]`(&EventBuf, &mut Scratch, Option<&mut RunState>)` is the hot path:
//! give each thread one [`Scratch`] and reuse it for every event and rule; once it has grown,
//! an evaluation on the JIT allocates nothing (`vm/tests/no_alloc.rs`). [`Rule::evaluate`]
//! keeps its older signature and uses a scratch kept per thread. A [`Rule`] is `Send + Sync`:
//! one loaded rule evaluates on many threads at once; its maps are shared by every thread and
//! every rule of its object.
//!
//! The event's bytes are never trusted, whatever built the [`EventBuf`]: the rule runs on a
//! copy of the fixed part whose `data` and `data_end` the runtime sets from the buffer's data
//! area, after checking the event's type, the fixed part's size, the data area's length and
//! every string offset, length and count against the bounds the verifier assumed (see
//! [`crate::backend`]). An event that fails is a [`RunErrorKind::BadInput`] error, the same on
//! every backend, and no rule code runs.

pub mod host_helpers;
pub mod program_type;

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use ringfence_verifier::{
    verify, MapDef as VerifierMapDef, VerifiedProgram, VerifierConfig, VerifyError,
};

use crate::backend::{Backend, ContextContract, EntryContract, PreparedEvent, Scratch};
use crate::btf::{read_object, BtfError, BtfExt, ObjectBtf};
use crate::checked::{CheckedInterpreter, Config};
use crate::elf::{load_object, ElfProgram, LoadError};
use crate::error::{RunError, RunErrorKind};
use crate::event::{EventBuf, Layout, LayoutMismatch, SchemaSet, StructMember};
use crate::fast::{FastInterpreter, MapsMismatch};
use crate::helpers::{Helpers, RunState};
use crate::jit::{JitCompiler, JitConfig, JitError, JitProgram};
use crate::maps::{Carried, MapDef, MapDefError, Maps};
use crate::memory::{MemoryRegion, RegionKind};

pub use host_helpers::rule_helpers;
pub use program_type::{event_program_type, VERDICT_RANGE};

/// Options for loading rules.
#[derive(Clone, Debug, Default)]
pub struct RuleConfig {
    /// Refuse a rule whose worst-case instruction count per event exceeds this.
    pub max_worst_case: Option<u64>,
    /// The engine rules run on; the default is the JIT where the host has one, else the
    /// fast interpreter ([`Backend::host_default`]).
    pub backend: Backend,
    /// Helpers the host adds to Linux's and the rf_* ones: (number, signature for the
    /// verifier, implementation). The engine ([`crate::engine::EngineBuilder::helper`])
    /// checks the numbers are free.
    pub extra_helpers: Vec<(u32, ringfence_verifier::HelperSig, crate::helpers::Helper)>,
}

/// The rules of one object, sharing its maps.
#[derive(Debug)]
pub struct RuleObject {
    pub rules: Vec<Rule>,
    pub maps: Maps,
    /// The names of the maps taken over from an earlier load ([`load_rules_carrying`]).
    pub carried: Vec<String>,
    /// The names of the maps the earlier load had too but whose state was not taken over
    /// (`Carried::restarted`: the definition changed, or writable global data).
    pub restarted: Vec<String>,
}

/// One verified rule, ready to evaluate events of its type.
#[derive(Debug)]
pub struct Rule {
    /// The program's (function's) name.
    pub name: String,
    /// The event type's name and id in the host's schemas.
    pub event: String,
    pub event_type: u32,
    verified: VerifiedProgram,
    /// For each slot, the C source line it was compiled from, when the object has line info.
    pub source_lines: Vec<Option<SourceLine>>,
    engine: Engine,
    /// The program in the checked interpreter: the `Checked` engine, and the engine of
    /// [`Rule::evaluate_observed`] whatever the backend.
    checked: CheckedInterpreter,
    /// What an event must satisfy for the verifier's proof to hold.
    contract: ContextContract,
    /// The object's maps (shared with the other rules of the object).
    maps: Maps,
}

/// A rule's engine.
#[derive(Debug)]
enum Engine {
    Jit(JitProgram),
    Fast(FastInterpreter),
    /// `Rule::checked`.
    Checked,
}

/// A line of C source, from the object's BTF line info.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub text: String,
}

impl fmt::Display for SourceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Why a rule object cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("BTF: {0}")]
    Btf(#[from] BtfError),
    #[error(transparent)]
    Map(#[from] MapDefError),
    #[error(
        "program `{program}` is in section `{section}`, which names no event type the host \
         knows ({known}); put it in `SEC(\"<event type>\")`"
    )]
    UnknownEventType {
        program: String,
        section: String,
        known: String,
    },
    #[error(
        "program `{program}`: its view of `{event}` (struct {struct_name}) differs from the \
         host's schema: {}; rebuild the rule against the host's header (`ringfence schema \
         --c-header`)",
        mismatches.iter().map(|m| m.to_string()).collect::<Vec<_>>().join("; ")
    )]
    LayoutMismatch {
        program: String,
        event: String,
        struct_name: String,
        mismatches: Vec<LayoutMismatch>,
    },
    #[error("program `{program}` is refused by the verifier:\n{error}")]
    Rejected {
        program: String,
        error: Box<VerifyError>,
        /// The C source line of each slot (for rendering the diagnostic in C terms).
        source_lines: Vec<Option<SourceLine>>,
    },
    /// The JIT could not compile a verified program (or the host has no JIT: choose the
    /// interpreter with `RuleConfig::backend`).
    #[error("program `{program}` cannot be compiled by the JIT: {error}")]
    Compile { program: String, error: JitError },
    /// The fast interpreter refused the object's maps (they are not the verified ones).
    #[error("program `{program}` cannot run in the fast interpreter: {error}")]
    Interpreter {
        program: String,
        error: MapsMismatch,
    },
}

/// Loads, checks and verifies every rule in the ELF object `bytes` against `schemas`.
pub fn load_rules(
    bytes: &[u8],
    schemas: &SchemaSet,
    config: &RuleConfig,
) -> Result<RuleObject, RuleError> {
    load_rules_carrying(bytes, schemas, config, &Maps::default())
}

/// [`load_rules`], with the object's maps that `old` has too taken over from it, state
/// included ([`Maps::carry_over`]: the same name and definition; arrays and hash maps only).
/// The rules are verified and compiled against the maps they will run with.
pub fn load_rules_carrying(
    bytes: &[u8],
    schemas: &SchemaSet,
    config: &RuleConfig,
    old: &Maps,
) -> Result<RuleObject, RuleError> {
    let object = load_object(bytes)?;
    let btf = match read_object(bytes) {
        Ok(btf) => Some(btf),
        // An object compiled without -g has no BTF: no layout check, no line info, and no
        // BTF-defined maps (building them below then fails naming the map).
        Err(BtfError::MissingSection { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let Carried {
        maps,
        kept: carried,
        restarted,
    } = build_maps(&object.maps, btf.as_ref())?.carry_over(old);
    let verifier_config = VerifierConfig {
        maps: maps
            .iter()
            .map(|map| VerifierMapDef {
                key_size: map.def().key_size,
                value_size: map.def().value_size,
                read_only: !map.def().writable_by_programs(),
            })
            .collect(),
        max_worst_case: config.max_worst_case,
        ..VerifierConfig::default()
    };
    let mut rules = Vec::with_capacity(object.programs.len());
    let mut compiler = None;
    for program in &object.programs {
        let Some((event_type, schema)) = schemas.by_name(&program.section) else {
            return Err(RuleError::UnknownEventType {
                program: program.name.clone(),
                section: program.section.clone(),
                known: schemas
                    .iter()
                    .map(|(_, s)| s.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let layout = Arc::new(schema.layout().clone());
        if let Some(btf) = &btf {
            check_layout(program, schema.name(), &layout, btf)?;
        }
        let source_lines = source_lines(program, btf.as_ref().and_then(|b| b.ext.as_ref()));
        let mut prog_type = event_program_type(schema);
        for (id, sig, _) in &config.extra_helpers {
            prog_type = prog_type.with_helper(*id as i32, sig.clone());
        }
        let verified = verify(&program.insns, &prog_type, &verifier_config).map_err(|error| {
            RuleError::Rejected {
                program: program.name.clone(),
                error: Box::new(error),
                source_lines: source_lines.clone(),
            }
        })?;
        let mut helpers: Helpers = rule_helpers(&maps, layout);
        for (id, _, helper) in &config.extra_helpers {
            helpers.register(*id, helper.clone());
        }
        let engine = build_engine(&verified, &helpers, &maps, config.backend, &mut compiler)
            .map_err(|error| match error {
                EngineError::Jit(error) => RuleError::Compile {
                    program: program.name.clone(),
                    error,
                },
                EngineError::Maps(error) => RuleError::Interpreter {
                    program: program.name.clone(),
                    error,
                },
            })?;
        let checked = checked_engine(&verified, &helpers, &maps);
        let contract = match EntryContract::of(verified.prog_type()) {
            EntryContract::Context(contract) => contract,
            // `event_program_type` always declares a context.
            EntryContract::Mem { .. } => unreachable!("an event program type has a context"),
        };
        rules.push(Rule {
            name: program.name.clone(),
            event: schema.name().to_string(),
            event_type,
            verified,
            source_lines,
            engine,
            checked,
            contract,
            maps: maps.clone(),
        });
    }
    Ok(RuleObject {
        rules,
        maps,
        carried,
        restarted,
    })
}

/// The engine for `verified` on `backend`; `compiler` is the JIT compiler shared by the rules
/// of one object, made on first use.
fn build_engine(
    verified: &VerifiedProgram,
    helpers: &Helpers,
    maps: &Maps,
    backend: Backend,
    compiler: &mut Option<JitCompiler>,
) -> Result<Engine, EngineError> {
    Ok(match backend {
        Backend::Jit => {
            let compiler = match compiler {
                Some(compiler) => compiler,
                None => compiler.insert(JitCompiler::new().map_err(EngineError::Jit)?),
            };
            Engine::Jit(
                compiler
                    .compile_with_maps(verified, helpers, maps, &JitConfig::default())
                    .map_err(EngineError::Jit)?,
            )
        }
        Backend::Interpreter => Engine::Fast(
            FastInterpreter::with_maps(verified, helpers, maps).map_err(EngineError::Maps)?,
        ),
        Backend::Checked => Engine::Checked,
    })
}

/// Why [`build_engine`] failed.
enum EngineError {
    Jit(JitError),
    Maps(MapsMismatch),
}

/// `verified` in the checked interpreter, with a budget of its worst case.
fn checked_engine(
    verified: &VerifiedProgram,
    helpers: &Helpers,
    maps: &Maps,
) -> CheckedInterpreter {
    let engine_config = Config {
        max_insns: verified.worst_case_insns().saturating_add(1),
        ..Config::default()
    };
    CheckedInterpreter::with_maps(verified.insns(), helpers, maps, engine_config)
}

thread_local! {
    /// The scratch of [`Rule::evaluate`], one per thread.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

impl Rule {
    /// The verified program.
    pub fn verified(&self) -> &VerifiedProgram {
        &self.verified
    }

    /// The engine the rule runs on.
    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Jit(_) => Backend::Jit,
            Engine::Fast(_) => Backend::Interpreter,
            Engine::Checked => Backend::Checked,
        }
    }

    /// Evaluates the rule on `event`: returns the verdict (0 or 1); alerts and trace output
    /// go to `state`. The rule uses the maps of its object (`maps` is not consulted; it is
    /// kept so that callers written before [`Rule::evaluate_with`] compile). Uses a scratch
    /// kept per thread: like [`Rule::evaluate_with`], it allocates nothing once warmed up.
    pub fn evaluate(
        &self,
        event: &mut EventBuf,
        maps: &Maps,
        state: &mut RunState,
    ) -> Result<u64, RunError> {
        let _ = maps;
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.evaluate_with(event, &mut scratch, Some(state)),
            // A helper evaluating a rule inside a rule: a scratch of its own.
            Err(_) => self.evaluate_with(event, &mut Scratch::new(), Some(state)),
        })
    }

    /// Evaluates the rule on `event` with `scratch` (one per thread, reused for every event
    /// and every rule): returns the verdict (0 or 1); alerts and trace output go to `state`
    /// when given. The hot path: once `scratch` has grown, nothing is allocated (unless a
    /// helper records an alert or a trace line in `state`).
    ///
    /// The event's bytes are never trusted: whatever built the [`EventBuf`] (the encoder, or
    /// `put_fixed` by hand), the rule runs on a copy of its fixed part whose `data` and
    /// `data_end` are set from the buffer's data area, after checking what the verifier
    /// assumed (see [`crate::backend`]). An event of another type, a data area above the
    /// schema's maximum, or a string offset, length or count above its bound is a
    /// [`RunErrorKind::BadInput`] error and the rule does not run.
    pub fn evaluate_with(
        &self,
        event: &EventBuf,
        scratch: &mut Scratch,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        if event.type_id() != self.event_type {
            return Err(self.wrong_type(event.type_id()));
        }
        self.run_engine(event.fixed(), event.data(), scratch, state)
    }

    /// [`Rule::evaluate_with`] on an event lent to all the rules of its type
    /// ([`Scratch::prepare`]): the same checks, made once for the rules with the same entry
    /// contract instead of once per rule. An engine's inner loop:
    ///
    /// ```ignore
    /// let mut event = scratch.prepare(&event_buf);
    /// for rule in &rules_of_its_type {
    ///     let verdict = rule.evaluate_prepared(&mut event, Some(&mut state))?;
    /// }
    /// ```
    #[inline]
    pub fn evaluate_prepared(
        &self,
        event: &mut PreparedEvent<'_, '_>,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        if event.type_id() != self.event_type {
            return Err(self.wrong_type(event.type_id()));
        }
        match &self.engine {
            Engine::Jit(jit) => jit.run_prepared(event, state),
            Engine::Fast(_) | Engine::Checked => {
                let (fixed, data, scratch) = event.unprepared();
                self.run_engine(fixed, data, scratch, state)
            }
        }
    }

    /// The `BadInput` error for an event of type `type_id`, not the rule's.
    fn wrong_type(&self, type_id: u32) -> RunError {
        RunError {
            insn_idx: 0,
            kind: RunErrorKind::BadInput {
                reason: format!(
                    "the event is of type id {type_id}, the rule `{}` takes `{}` events (id {})",
                    self.name, self.event, self.event_type
                ),
            },
        }
    }

    /// Runs the rule's engine on the context `fixed` and the data area `data`, both checked
    /// against the entry contract by the engine.
    fn run_engine(
        &self,
        fixed: &[u8],
        data: &[u8],
        scratch: &mut Scratch,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        match &self.engine {
            Engine::Jit(jit) => jit.run_context(fixed, data, scratch, state),
            Engine::Fast(fast) => fast.run_context(fixed, data, scratch, state),
            Engine::Checked => {
                let context = self
                    .contract
                    .prepare_context(fixed, data, &mut scratch.context)?;
                let context: &[u8] = context;
                let args = [context.as_ptr() as u64, 0, 0, 0, 0];
                Ok(self
                    .checked
                    .run_with_state(args, self.checked_regions(context, data), state)?
                    .return_value)
            }
        }
    }

    /// The checked interpreter's regions for a run on the prepared `context` and `data`:
    /// both read-only, and the rule's map values, shared.
    fn checked_regions<'a>(&'a self, context: &'a [u8], data: &'a [u8]) -> Vec<MemoryRegion<'a>> {
        let mut regions = vec![
            MemoryRegion::read_only(RegionKind::Context, context),
            MemoryRegion::read_only(RegionKind::ReadOnlyData, data),
        ];
        for (map_idx, map) in self.maps.iter().enumerate() {
            let region = map.value_region();
            regions.push(MemoryRegion::shared(
                RegionKind::MapValue {
                    map_idx: map_idx as u32,
                },
                map.value_words(),
                region.len as usize,
                region.writable,
            ));
        }
        regions
    }
}

impl Rule {
    /// Like [`Rule::evaluate`], in the checked interpreter whatever the engine, reporting
    /// every executed instruction to `observer` (`ringfence trace`, test coverage). `r1` at
    /// entry (the first step's `before[1]`) is the context's address; the context is
    /// `event.fixed_len()` bytes, and `data`/`data_end` in it bound the data area. As in
    /// every engine, the rule runs on a copy of the event's fixed part checked against the
    /// entry contract first: an event that breaks it is the same [`RunErrorKind::BadInput`]
    /// error as from [`Rule::evaluate_with`], and nothing runs.
    pub fn evaluate_observed<O: crate::checked::Observer>(
        &self,
        event: &mut EventBuf,
        maps: &Maps,
        state: &mut RunState,
        observer: &mut O,
    ) -> Result<u64, RunError> {
        // Like `evaluate`, the rule uses its object's maps, the ones its program refers to.
        let _ = maps;
        if event.type_id() != self.event_type {
            return Err(self.wrong_type(event.type_id()));
        }
        // The buffer's own `data` and `data_end` are set too, for observers that read the
        // event's bytes (`ringfence trace` names pointers into the data area by them).
        event.prepare();
        let (fixed, data) = (event.fixed(), event.data());
        let mut scratch = Scratch::new();
        let context: &[u8] = self
            .contract
            .prepare_context(fixed, data, &mut scratch.context)?;
        let args = [context.as_ptr() as u64, 0, 0, 0, 0];
        Ok(self
            .checked
            .run_observed(
                args,
                self.checked_regions(context, data),
                Some(state),
                observer,
            )?
            .return_value)
    }
}

/// The object's maps, their definitions from the legacy section, from BTF or from global data.
fn build_maps(
    symbols: &[crate::elf::MapSymbol],
    btf: Option<&ObjectBtf>,
) -> Result<Maps, RuleError> {
    let defs = match btf {
        Some(btf) => btf.btf.map_defs().unwrap_or_default(),
        None => Vec::new(),
    };
    let maps = Maps::from_symbols_with(symbols, |name, _offset, _size| {
        let def = defs
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| MapDefError::NeedsBtf {
                map: name.to_string(),
            })?;
        MapDef::from_linux(
            name,
            def.map_type,
            def.key_size,
            def.value_size,
            def.max_entries,
            def.map_flags,
        )
    })?;
    Ok(maps)
}

/// Refuses a program whose BTF view of its event differs from the host's layout.
fn check_layout(
    program: &ElfProgram,
    event: &str,
    layout: &Layout,
    btf: &ObjectBtf,
) -> Result<(), RuleError> {
    let struct_name = format!("rf_{event}");
    let Some(view) = btf.btf.find_struct(&struct_name) else {
        // The rule does not name the event struct (e.g. takes `void *ctx`): nothing to compare.
        return Ok(());
    };
    let members: Vec<StructMember> = view
        .members
        .iter()
        .map(|m| StructMember::new(&m.name, m.offset_bytes, m.size_bytes))
        .collect();
    let mismatches = layout.diff_struct(view.size, &members);
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(RuleError::LayoutMismatch {
            program: program.name.clone(),
            event: event.to_string(),
            struct_name,
            mismatches,
        })
    }
}

/// The C line of every slot of `program`, from `.BTF.ext` line info.
fn source_lines(program: &ElfProgram, ext: Option<&BtfExt>) -> Vec<Option<SourceLine>> {
    program
        .origins
        .iter()
        .map(|(section, offset)| {
            let info = ext?.line_at(section, *offset)?;
            Some(SourceLine {
                file: info.file.clone(),
                line: info.line,
                column: info.column,
                text: info.line_text.clone(),
            })
        })
        .collect()
}
