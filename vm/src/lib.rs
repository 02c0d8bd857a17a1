//! Runs BPF programs: the checked interpreter (the oracle, and the `--no-verify` engine),
//! the memory regions it checks accesses against, helpers, and run-time faults.
//!
//! Module map:
//! - [`checked`]: the checked interpreter, [`CheckedInterpreter`], and its [`Config`];
//! - [`memory`]: [`Region`]s of host memory and [`Memory`], which checks every access;
//! - [`helpers`]: the helper registry [`Helpers`] and the bpf_conformance helpers;
//! - [`error`]: [`RunError`], every way a run can fail.
//!
//! Architecture Invariant: the modules above hold no `unsafe` (each is
//! `#![forbid(unsafe_code)]`); only the fast engines, which accept verified programs, may.

pub mod btf;
pub mod checked;
pub mod elf;
pub mod error;
pub mod event;
pub mod fast;
pub mod helpers;
pub mod jit;
pub mod maps;
pub mod memory;
pub mod rf_helpers;
pub mod rule;

pub use checked::{CheckedInterpreter, Config, Outcome};
pub use elf::{load_object, ElfProgram, LoadError, Object};
pub use error::{RunError, RunErrorKind};
pub use fast::{FastInterpreter, FastRunError};
pub use helpers::{
    conformance_program_type, conformance_unwind, Helper, HelperError, Helpers, RunState,
};
pub use memory::{Access, Memory, MemoryFault, MemoryRegion, Region, RegionKind};
