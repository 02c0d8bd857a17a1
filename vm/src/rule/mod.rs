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
//! 4. the engine is built from the [`VerifiedProgram`].
//!
//! All or nothing: one failure refuses the whole object, and nothing of it is kept.

pub mod host_helpers;
pub mod program_type;

use std::fmt;
use std::sync::Arc;

use ringfence_verifier::{
    verify, MapDef as VerifierMapDef, VerifiedProgram, VerifierConfig, VerifyError,
};

use crate::btf::{read_object, BtfError, BtfExt, ObjectBtf};
use crate::checked::{CheckedInterpreter, Config};
use crate::elf::{load_object, ElfProgram, LoadError};
use crate::error::RunError;
use crate::event::{EventBuf, Layout, LayoutMismatch, SchemaSet, StructMember};
use crate::helpers::{Helpers, RunState};
use crate::maps::{MapDef, MapDefError, Maps};
use crate::memory::{MemoryRegion, RegionKind};

pub use host_helpers::rule_helpers;
pub use program_type::{event_program_type, VERDICT_RANGE};

/// Options for loading rules.
#[derive(Clone, Debug, Default)]
pub struct RuleConfig {
    /// Refuse a rule whose worst-case instruction count per event exceeds this.
    pub max_worst_case: Option<u64>,
}

/// The rules of one object, sharing its maps.
#[derive(Debug)]
pub struct RuleObject {
    pub rules: Vec<Rule>,
    pub maps: Maps,
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
    engine: CheckedInterpreter,
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
}

/// Loads, checks and verifies every rule in the ELF object `bytes` against `schemas`.
pub fn load_rules(
    bytes: &[u8],
    schemas: &SchemaSet,
    config: &RuleConfig,
) -> Result<RuleObject, RuleError> {
    let object = load_object(bytes)?;
    let btf = match read_object(bytes) {
        Ok(btf) => Some(btf),
        // An object compiled without -g has no BTF: no layout check, no line info, and no
        // BTF-defined maps (building them below then fails naming the map).
        Err(BtfError::MissingSection { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let maps = build_maps(&object.maps, btf.as_ref())?;
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
        let prog_type = event_program_type(schema);
        let verified = verify(&program.insns, &prog_type, &verifier_config).map_err(|error| {
            RuleError::Rejected {
                program: program.name.clone(),
                error: Box::new(error),
                source_lines: source_lines.clone(),
            }
        })?;
        let helpers: Helpers = rule_helpers(&maps, layout);
        let engine_config = Config {
            max_insns: verified.worst_case_insns().saturating_add(1),
            ..Config::default()
        };
        let engine =
            CheckedInterpreter::with_maps(verified.insns(), &helpers, &maps, engine_config);
        rules.push(Rule {
            name: program.name.clone(),
            event: schema.name().to_string(),
            event_type,
            verified,
            source_lines,
            engine,
        });
    }
    Ok(RuleObject { rules, maps })
}

impl Rule {
    /// The verified program.
    pub fn verified(&self) -> &VerifiedProgram {
        &self.verified
    }

    /// Evaluates the rule on `event` (which must be of the rule's event type): returns the
    /// verdict (0 or 1); alerts and trace output go to `state`.
    pub fn evaluate(
        &self,
        event: &mut EventBuf,
        maps: &Maps,
        state: &mut RunState,
    ) -> Result<u64, RunError> {
        let fixed_len = event.fixed_len();
        let bytes = event.prepare();
        let (context, data) = bytes.split_at(fixed_len);
        let mut regions = vec![
            MemoryRegion::read_only(RegionKind::Context, context),
            MemoryRegion::read_only(RegionKind::ReadOnlyData, data),
        ];
        for (map_idx, map) in maps.iter().enumerate() {
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
        let args = [context.as_ptr() as u64, 0, 0, 0, 0];
        Ok(self
            .engine
            .run_with_state(args, regions, Some(state))?
            .return_value)
    }
}

impl Rule {
    /// Like [`Rule::evaluate`], in the checked interpreter whatever the engine, reporting
    /// every executed instruction to `observer` (`ringfence trace`, test coverage). `r1` at
    /// entry (the first step's `before[1]`) is the context's address; the context is
    /// `event.fixed_len()` bytes, and `data`/`data_end` in it bound the data area.
    pub fn evaluate_observed<O: crate::checked::Observer>(
        &self,
        event: &mut EventBuf,
        maps: &Maps,
        state: &mut RunState,
        observer: &mut O,
    ) -> Result<u64, RunError> {
        let fixed_len = event.fixed_len();
        let bytes = event.prepare();
        let (context, data) = bytes.split_at(fixed_len);
        let mut regions = vec![
            MemoryRegion::read_only(RegionKind::Context, context),
            MemoryRegion::read_only(RegionKind::ReadOnlyData, data),
        ];
        for (map_idx, map) in maps.iter().enumerate() {
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
        let args = [context.as_ptr() as u64, 0, 0, 0, 0];
        Ok(self
            .engine
            .run_observed(args, regions, Some(state), observer)?
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
