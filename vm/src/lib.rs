//! Runs BPF programs: loading them (ELF, BTF, maps, event schemas), the engines, helpers,
//! and run-time faults.
//!
//! Module map:
//! - [`backend`]: [`Backend`] (the engine choice), [`Scratch`] (per-thread run memory), the
//!   entry contract every unchecked run's input is checked against;
//! - [`checked`]: the checked interpreter (the oracle, and the `--no-verify` engine);
//! - [`fast`]: the fast interpreter, for `VerifiedProgram`s only, with no run-time checks;
//! - [`jit`]: the Cranelift JIT;
//! - [`memory`]: [`Region`]s of host memory and [`Memory`], which checks every access;
//! - [`helpers`]: the helper registry [`Helpers`], [`RunState`], the bpf_conformance helpers;
//! - [`error`]: [`RunError`], every way a run can fail;
//! - [`elf`], [`btf`]: loading clang's objects and their BTF;
//! - [`maps`]: array and hash maps, shared between threads;
//! - [`event`], [`rf_helpers`]: event schemas and ringfence's own helpers;
//! - [`rule`]: rule objects checked against the host's schemas, verified and evaluated;
//! - [`engine`]: the embeddable engine: rule packs, evaluation from many threads, hot swap;
//! - [`synth`]: a deterministic generator of endpoint telemetry, for benches and replays.
//!
//! Architecture Invariant: `unsafe` lives only in [`fast`], [`jit`] and `maps::slab`, where an
//! engine touches memory or native code without checks; the checked interpreter, memory,
//! helpers and loaders are `#![forbid(unsafe_code)]`.

pub mod backend;
pub mod btf;
pub mod checked;
pub mod elf;
pub mod engine;
pub mod error;
pub mod event;
pub mod fast;
pub mod helpers;
pub mod jit;
pub mod maps;
pub mod memory;
pub mod rf_helpers;
pub mod rule;
pub mod synth;

pub use backend::{Backend, Scratch};
pub use checked::{CheckedInterpreter, Config, Outcome};
pub use elf::{load_object, ElfProgram, LoadError, Object};
pub use engine::{Engine, Evaluation, Evaluator, Pack, PackError, PackInfo};
pub use error::{RunError, RunErrorKind};
pub use fast::{FastInterpreter, FastRunError};
pub use helpers::{
    conformance_program_type, conformance_unwind, Helper, HelperError, Helpers, RunState,
};
pub use memory::{Access, Memory, MemoryFault, MemoryRegion, Region, RegionKind};
