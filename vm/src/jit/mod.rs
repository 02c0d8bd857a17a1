//! The JIT: programs compiled to native code for the host with Cranelift, run with the same
//! memory model, helpers and semantics as the checked interpreter ([`crate::checked`]).
//!
//! # Entry points
//!
//! - [`JitProgram::compile`] / [`JitProgram::compile_with_maps`] (safe): a
//!   [`VerifiedProgram`] to unchecked native code. The precondition of unchecked code lives in
//!   the type: the verifier proved every access in bounds and every run terminating *for
//!   inputs of its program type*, and every run checks its input against that program type's
//!   entry contract ([`crate::backend::EntryContract`]) before any code runs:
//!   [`JitProgram::run_mem`] refuses a buffer of another length, [`JitProgram::run_context`]
//!   copies the context into the caller's [`Scratch`], sets `data`/`data_end` itself and
//!   refuses out-of-bound fields, and [`JitProgram::run`], which takes raw arguments, is
//!   refused (all with [`RunErrorKind::BadInput`]; nothing runs).
//! - [`JitProgram::compile_checked`] (safe): any instructions, every access checked at run
//!   time.
//! - [`JitProgram::compile_unverified`] (`unsafe`): raw instructions without checks, the
//!   caller vouching for them (tests, benchmarks).
//!
//! Maps: `lddw` map references are resolved before compilation exactly as the interpreter
//! resolves them (`map_fd(N)` is `N`, `map_value(N, off)` the host address of byte `off` of
//! map N's first value), after checking that the maps are the verified ones (number, sizes,
//! writability); one that does not resolve (dead code the verifier accepted) raises the
//! interpreter's fault if reached. The [`JitProgram`] keeps the maps alive. Map values are memory other threads use
//! at the same time: verified code reaches them with plain native loads and stores (an
//! aligned access of up to 8 bytes is single-copy atomic on x86-64 and aarch64, a misaligned
//! one may tear but never faults — what the kernel's JIT does too; see `crate::maps` on why
//! this is outside Rust's memory model and accepted), and atomic instructions compile to the
//! host's atomic instructions. A helper whose signature returns a map value
//! (`map_lookup_elem`) has its result checked after every call (0 or the start of a value of
//! the map it was given): the verifier lets the program dereference that result, so this is
//! the one thing about helpers the unchecked code cannot take on trust.
//!
//! Trust: helpers are host code. Besides the checked lookup result, the JIT relies on them to
//! write only the memory their arguments name (they reach memory through [`crate::Memory`],
//! which confines them to the run's regions, but not to the bytes the verifier expects them
//! to change).
//!
//! Module map:
//! - `compile.rs`: BPF to Cranelift IR, and [`JitCompiler`], the reusable compiler. The eleven BPF registers
//!   are Cranelift `Variable`s, so SSA form comes from cranelift-frontend (Braun et al.,
//!   "Simple and Efficient Construction of Static Single Assignment Form", CC 2013); one
//!   Cranelift block per BPF basic block; each BPF function (the entry and every target of a
//!   local call) is its own Cranelift function; `compile/alu.rs` translates ALU operations
//!   and conditions, `compile/calls.rs` helper calls and specialised call sites. No `unsafe`.
//! - `code.rs`: links the compiled functions into one buffer and maps it: written while
//!   read+write, then switched to read+execute (memmap2's `make_exec`), never both at once.
//!   Holds the one `unsafe` that turns the entry address into a function pointer and calls it.
//! - `runtime.rs`: the run context the compiled code receives, and the `extern "C"`
//!   trampolines through which it calls helpers (the same [`Helpers`] registry as the
//!   interpreter) and, in checked mode, asks [`crate::Memory`] about an access its inline
//!   checks did not cover; and `call_site_test`, through which code compiled inline for a
//!   specialised call site applies the site's string test to bytes it checked itself.
//! - `sites.rs`: helper call sites the compiler specialises (unchecked mode): an rf_* call
//!   whose pattern is a constant in a read-only map gets its pattern's bytes at compile time
//!   and goes to its own trampoline, which answers only when the call's arguments are the
//!   ones the site was built for and otherwise takes the generic path. No `unsafe`.
//! - `switch.rs`: switch formation (unchecked mode): a chain of `jeq` tests of one register
//!   against constants, as clang emits for a C `switch`, becomes a binary search over the
//!   cases, or, when the arms differ only in immediates, one arm that reads them from a
//!   table the program keeps (no branch). No `unsafe`.
//!
//! # The calling convention of compiled code
//!
//! Every BPF function becomes `fn(ctx, fp, r1, r2, r3, r4, r5) -> r0` in the host's C calling
//! convention, where `ctx` points to the run context and `fp` is the function's `r10`. The
//! caller passes `r0` and `r6`-`r9` through the context's scratch registers and the callee
//! hands `r1`-`r5` back the same way at `exit`, so that even unverified programs see exactly
//! what the interpreter shows them. A helper or a fault ends the run early by setting the
//! context's status; compiled code checks it after every call and returns at once.
//!
//! # Memory
//!
//! Registers hold host addresses, as in the interpreter. Each run gets a zeroed stack of
//! 512-byte frames (only as many as the call graph can use, at most
//! [`JitConfig::max_call_depth`]); `r10` points past the current frame and a local call moves
//! it 512 bytes down, refusing to go below the buffer (`CallDepthExceeded`), in both modes.
//!
//! * Unchecked mode (the default): loads and stores are plain native accesses, with no bounds
//!   check and no instruction counting. This is sound only for programs the verifier proved
//!   in bounds and terminating, run on inputs of the program type they were verified for,
//!   which is why the safe entry takes a [`VerifiedProgram`] and checks inputs, and the entry
//!   point for raw instructions, [`JitProgram::compile_unverified`], is `unsafe`.
//!
//! A run allocates nothing once its [`Scratch`] has grown: the stack frames and the context
//! copy live in the scratch, the helpers' [`crate::Memory`] is built (only when a helper is
//! called) in vectors the scratch keeps between runs.
//! * Checked mode ([`JitConfig::checked`]): every access is first checked inline against the
//!   current stack window and the first region (the input buffer or context); anything else
//!   goes to [`crate::Memory`], which knows every region and builds the same [`RunError`] the
//!   interpreter would. Instructions are counted per basic block against
//!   [`JitConfig::max_insns`]: a block is charged on entry, and when fewer instructions are
//!   left than it holds the run stops there, naming the instruction where the interpreter
//!   stops, but without the effects of the block's instructions before it (the interpreter
//!   performs them, and would report a memory fault among them first). A checked program
//!   cannot touch memory outside its regions, whatever its instructions, so
//!   [`JitProgram::compile_checked`] is safe. Known gap, for unverified programs only (the
//!   verifier refuses misaligned atomics): an atomic on a shared (map value) region that
//!   straddles an 8-byte word is refused by the interpreter and performed by the checked
//!   JIT.
//!
//! Setting `RINGFENCE_JIT_DUMP` in the environment prints each function's Cranelift IR and
//! machine code (VCode) to standard error while compiling.
//!
//! Architecture Invariant: the only way to compile unchecked code from safe code is through a
//! [`VerifiedProgram`] ([`JitProgram::compile`]), whose runs check their inputs against its
//! program type.
//!
//! Architecture Invariant: the only `unsafe` of the JIT lives in `code.rs` (calling the
//! compiled code) and `runtime.rs` (the trampolines reading the run context); `compile.rs` is
//! `#![forbid(unsafe_code)]`. Compilation never panics on any input: every problem is a
//! [`JitError`].

mod code;
mod compile;
mod runtime;
mod sites;
mod switch;

use ringfence_isa::{Imm64Kind, Insn, Op, Semantics};
use ringfence_verifier::VerifiedProgram;

use crate::backend::{EntryContract, PreparedEvent, PreparedRun, Scratch};
use crate::checked::resolve_map_reference;
use crate::error::{RunError, RunErrorKind};
use crate::helpers::{Helpers, RunState};
use crate::maps::Maps;
use crate::memory::MemoryRegion;

pub use compile::{JitCompiler, JitOpt};

/// The size of one stack frame in bytes, as in the interpreter's default configuration.
pub const STACK_PER_FRAME: usize = 512;

/// The most stack frames [`JitConfig::max_call_depth`] may ask for: each frame is also a
/// native call, and the native stack must hold them all.
pub const MAX_CALL_DEPTH_LIMIT: usize = 64;

/// How to compile a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitConfig {
    /// Compile the checked variant: every memory access checked against the regions and
    /// instructions counted against [`JitConfig::max_insns`], trapping to a [`RunError`].
    pub checked: bool,
    /// In checked mode, the most instructions a run may execute (as the interpreter's
    /// `Config::max_insns`); ignored in unchecked mode, where the verifier's bound applies.
    pub max_insns: u64,
    /// The most stack frames live at once, the main function's included (1 to
    /// [`MAX_CALL_DEPTH_LIMIT`]).
    pub max_call_depth: usize,
    /// Fastest code (the default) or quickest compile; see [`JitOpt`].
    pub opt: JitOpt,
}

impl Default for JitConfig {
    fn default() -> JitConfig {
        JitConfig {
            checked: false,
            max_insns: 1_000_000,
            max_call_depth: 8,
            opt: JitOpt::Speed,
        }
    }
}

/// Why a program could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JitError {
    /// The program has no instructions.
    #[error("the program is empty")]
    EmptyProgram,
    /// A jump or local call leaves the program (unchecked mode).
    #[error("instruction {insn_idx}: jump to instruction {target} is outside the program ({n_insns} instructions)")]
    JumpOutOfProgram {
        insn_idx: usize,
        target: i64,
        n_insns: usize,
    },
    /// A jump or local call lands in the second slot of an `lddw` (unchecked mode).
    #[error(
        "instruction {insn_idx}: jump to instruction {target} lands in the second slot of an lddw"
    )]
    JumpIntoLddw { insn_idx: usize, target: usize },
    /// Execution can run past the last instruction (unchecked mode).
    #[error(
        "instruction {insn_idx}: execution can run past the last instruction without reaching exit"
    )]
    FellOffEnd { insn_idx: usize },
    /// The configuration is out of range.
    #[error("bad JIT configuration: {reason}")]
    BadConfig { reason: &'static str },
    /// The host is not one the JIT generates code for.
    #[error("the JIT does not support this host: {reason}")]
    UnsupportedHost { reason: String },
    /// Cranelift refused the function starting at `function_start`.
    #[error("code generation failed for the function at instruction {function_start}: {message}")]
    Codegen {
        function_start: usize,
        message: String,
    },
    /// The generated code needs a relocation the linker does not handle.
    #[error(
        "the function at instruction {function_start} needs an unsupported relocation: {what}"
    )]
    Relocation { function_start: usize, what: String },
    /// Executable memory could not be mapped.
    #[error("cannot map executable memory: {message}")]
    CodeMemory { message: String },
    /// The maps given are not the ones the program was verified against.
    #[error("the maps do not match the ones the program was verified against: {reason}")]
    MapMismatch { reason: String },
}

/// A compiled program: immutable native code plus what its runs need. `Send + Sync`: many
/// threads may run one program at once, each run with its own stack and context.
#[derive(Debug)]
pub struct JitProgram {
    code: code::Code,
    helpers: runtime::HelperTable,
    config: JitConfig,
    /// How many stack frames a run allocates.
    n_frames: usize,
    /// How many bytes at the top of the stack a run zeroes first (see `stack_to_zero`); the
    /// rest may hold what the thread's previous run left.
    stack_zeroed: usize,
    /// Faults known at compile time (checked mode), indexed by their code minus one.
    static_faults: Vec<RunError>,
    /// For each slot, whether it starts an instruction of two slots (`lddw`); used to name the
    /// instruction where the budget ran out.
    lddw_heads: Vec<bool>,
    /// What a run's input must satisfy, by how the program was compiled.
    entry: Entry,
    /// The maps the program's `lddw`s point into: kept alive as long as the code that holds
    /// their addresses, and shown to helpers as regions.
    maps: Maps,
    /// Whether the code can call back into the runtime (a helper call, or checked mode's
    /// access checks); a run of code that cannot needs no helper state (`runtime::run`).
    calls_runtime: bool,
    /// Whether a local call targets the entry function (only code compiled from
    /// instructions: the verifier refuses recursion), whose code then takes `r0` and
    /// `r6`-`r9` from the run context's `scratch` on entry, which each run zeroes.
    entry_is_called: bool,
    /// The specialised helper call sites (`sites`), whose addresses the code holds.
    sites: Vec<std::sync::Arc<sites::RfSite>>,
    /// How many of the sites test inline.
    n_inline_calls: usize,
    /// How many of the sites call their test directly on the field's bytes.
    n_direct_tests: usize,
    /// How many chains of `jeq` tests were compiled as one multi-way branch (`switch`).
    n_switches: usize,
    /// How many of them run their arms as one, with immediates from a table.
    n_switch_tables: usize,
    /// Those tables, whose addresses the code holds: never read here, only kept alive.
    #[expect(
        dead_code,
        reason = "the compiled code reads the tables through their addresses"
    )]
    switch_tables: Vec<Box<[u64]>>,
}

/// What the input of a run must satisfy, by how the program was compiled.
#[derive(Debug)]
pub(crate) enum Entry {
    /// [`JitProgram::compile_unverified`]: the caller promised, at compile time, that every
    /// run is in bounds.
    Unverified,
    /// Checked mode: any input; the contract, when compiled from a `VerifiedProgram`, to lay
    /// out contexts for [`JitProgram::run_context`].
    Checked(Option<EntryContract>),
    /// [`JitProgram::compile`] in unchecked mode: every run's input is checked against the
    /// verifier's entry contract before the code runs.
    Verified(EntryContract),
}

impl JitCompiler {
    /// [`JitProgram::compile`], reusing this compiler's scratch state.
    pub fn compile(
        &mut self,
        program: &VerifiedProgram,
        helpers: &Helpers,
        config: &JitConfig,
    ) -> Result<JitProgram, JitError> {
        self.compile_with_maps(program, helpers, &Maps::default(), config)
    }

    /// [`JitProgram::compile_with_maps`], reusing this compiler's scratch state.
    pub fn compile_with_maps(
        &mut self,
        program: &VerifiedProgram,
        helpers: &Helpers,
        maps: &Maps,
        config: &JitConfig,
    ) -> Result<JitProgram, JitError> {
        // The maps the program was verified against: the proof holds for those alone.
        crate::maps::check_maps(program, maps).map_err(|mismatch| JitError::MapMismatch {
            reason: mismatch.to_string(),
        })?;
        let insns = resolve_map_references(program.insns(), maps);
        let contract = EntryContract::of(program.prog_type());
        let facts = sites::SiteFacts::of(program.prog_type(), &contract);
        let mut jit = self.compile_insns(&insns, helpers, maps, *config, Some(facts))?;
        jit.entry = if config.checked {
            Entry::Checked(Some(contract))
        } else {
            jit.stack_zeroed = stack_to_zero(program, jit.n_frames);
            Entry::Verified(contract)
        };
        jit.helpers.check_returns(program.prog_type(), maps);
        jit.maps = maps.clone();
        Ok(jit)
    }

    /// [`JitProgram::compile_unverified`], reusing this compiler's scratch state.
    ///
    /// # Safety
    ///
    /// As for [`JitProgram::compile_unverified`].
    pub unsafe fn compile_unverified(
        &mut self,
        insns: &[Insn],
        helpers: &Helpers,
        config: JitConfig,
    ) -> Result<JitProgram, JitError> {
        self.compile_insns(insns, helpers, &Maps::default(), config, None)
    }

    /// [`JitProgram::compile_checked`], reusing this compiler's scratch state.
    pub fn compile_checked(
        &mut self,
        insns: &[Insn],
        helpers: &Helpers,
        config: JitConfig,
    ) -> Result<JitProgram, JitError> {
        let config = JitConfig {
            checked: true,
            ..config
        };
        let mut jit = self.compile_insns(insns, helpers, &Maps::default(), config, None)?;
        jit.entry = Entry::Checked(None);
        Ok(jit)
    }
}

/// How many bytes at the top of the stack a run of `program` (compiled without checks, on
/// `n_frames` frames) must zero first so that it observes nothing of the previous run on the
/// same scratch: the bytes it may write, for a program without local calls; every frame
/// otherwise.
///
/// Why the rest may keep stale bytes: the verifier refuses a read of a stack byte not
/// written before in the same run, by the program or by a helper it passed the byte to (a
/// helper's read argument must be initialised too), so a run never observes a byte it did
/// not write, wherever the byte came from. Zeroing is a second line for what the verifier
/// takes on trust: a helper declared to write `len` bytes of a buffer that writes fewer
/// leaves the rest as they were, and the program may then read them. So the bytes zeroed
/// are all those a run may write: the verifier's `stack_usage` counts every stack write of
/// a function to its own frame (stores, atomics, helper buffers), the largest offset below
/// its `r10`. A program without local calls writes its one frame only, so the bytes below
/// its usage are never written, hence never read; with local calls a function may write
/// its caller's frame through a pointer (not counted in its caller's usage), so every frame
/// is zeroed.
fn stack_to_zero(program: &VerifiedProgram, n_frames: usize) -> usize {
    let all = n_frames * STACK_PER_FRAME;
    if n_frames != 1 || program.stack_usage().len() != 1 {
        return all;
    }
    let used = program.stack_usage()[0].bytes as usize;
    // Whole 8-byte slots (accesses are at most 8 bytes, within the usage), at most a frame.
    used.div_ceil(8).saturating_mul(8).min(all)
}

/// `insns` with every map reference (`lddw` with `src` 1 or 2) replaced by the plain `lddw`
/// of what the interpreter loads ([`resolve_map_reference`]): a map's handle (its index) or
/// the host address of a byte of its first value. The addresses stay valid as long as the
/// [`JitProgram`] keeps `maps`. A reference that does not resolve stays: the verifier accepts
/// one only where it proved it dead, and the compiler makes it raise the interpreter's fault
/// if it is ever reached.
fn resolve_map_references(insns: &[Insn], maps: &Maps) -> Vec<Insn> {
    let mut resolved = insns.to_vec();
    for insn in resolved.iter_mut() {
        if insn.is_lddw_tail() {
            continue;
        }
        let Semantics::LoadImm64 { kind } = insn.semantics() else {
            continue;
        };
        if kind == Imm64Kind::Value {
            continue;
        }
        let Ok(value) = resolve_map_reference(kind, insn.imm, maps) else {
            continue;
        };
        insn.op = Op::Lddw;
        insn.src = 0;
        insn.imm = value as i64;
    }
    resolved
}

impl JitProgram {
    /// Compiles a verified program to native code calling `helpers`. Safe: holding a
    /// [`VerifiedProgram`] is the proof that the code stays in bounds and terminates, and
    /// every run checks its input against the entry contract the proof assumed
    /// ([`JitProgram::run_mem`], [`JitProgram::run_context`]). A program verified against
    /// maps needs [`JitProgram::compile_with_maps`].
    pub fn compile(
        program: &VerifiedProgram,
        helpers: &Helpers,
        config: &JitConfig,
    ) -> Result<JitProgram, JitError> {
        JitCompiler::new()?.compile(program, helpers, config)
    }

    /// Like [`JitProgram::compile`], for a program verified against `maps` (the same number,
    /// sizes and writability, else [`JitError::MapMismatch`]): `r1 = map_fd(N) ll` loads map
    /// N's handle (its index, which the map helpers take) and `r1 = map_value(N, off) ll` the
    /// address of byte `off` of its first value, as in the interpreter. The program keeps
    /// the maps alive. Map values are read and written with plain native loads and stores
    /// (each in bounds, as verified; other threads may use the same value at once, and an
    /// aligned access of up to 8 bytes is single-copy atomic on every host the JIT supports,
    /// which is all the kernel promises too), and atomic instructions compile to the host's
    /// atomic instructions (`lock xadd`, `lock cmpxchg`, ...). A helper the program type says
    /// returns a map value (`map_lookup_elem`) has its result checked at run time: 0 or the
    /// start of a value of the map it was given, else the run fails with `HelperFailed`.
    pub fn compile_with_maps(
        program: &VerifiedProgram,
        helpers: &Helpers,
        maps: &Maps,
        config: &JitConfig,
    ) -> Result<JitProgram, JitError> {
        JitCompiler::new()?.compile_with_maps(program, helpers, maps, config)
    }

    /// Compiles `insns` (one per slot, see [`Insn`]) to native code calling `helpers`.
    ///
    /// # Safety
    ///
    /// Unless `config.checked` is set, the compiled code accesses memory without any check
    /// and runs without an instruction budget. The caller must guarantee what the verifier
    /// proves: every load, store and atomic access of every execution lies inside the stack
    /// frames or a region passed to [`JitProgram::run`] (the buffer of
    /// [`JitProgram::run_mem`]), with write permission for writes; no register is read
    /// before it is written; and every run terminates. Helpers must only touch memory
    /// through the [`crate::Memory`] they receive. With `config.checked` set this function
    /// has no precondition (prefer [`JitProgram::compile_checked`]).
    pub unsafe fn compile_unverified(
        insns: &[Insn],
        helpers: &Helpers,
        config: JitConfig,
    ) -> Result<JitProgram, JitError> {
        // SAFETY: the caller upholds this function's contract, which is the compiler's.
        unsafe { JitCompiler::new()?.compile_unverified(insns, helpers, config) }
    }

    /// Compiles `insns` in checked mode (`config.checked` is forced on): any program,
    /// verified or not, runs without touching memory outside its regions; a bad access, an
    /// exhausted budget or a bad instruction ends the run in the [`RunError`] the checked
    /// interpreter would report.
    pub fn compile_checked(
        insns: &[Insn],
        helpers: &Helpers,
        config: JitConfig,
    ) -> Result<JitProgram, JitError> {
        JitCompiler::new()?.compile_checked(insns, helpers, config)
    }

    /// The configuration the program was compiled with.
    pub fn config(&self) -> &JitConfig {
        &self.config
    }

    /// The size of the native code in bytes.
    pub fn code_size(&self) -> usize {
        self.code.len()
    }

    /// How many helper calls were compiled as specialised sites (an rf_* call whose
    /// pattern is a constant in a read-only map; see the module documentation).
    pub fn n_specialised_calls(&self) -> usize {
        self.sites.len()
    }

    /// How many of those sites compare inline (an equality, prefix or suffix test of a `str`
    /// field against a pattern of at most 16 bytes).
    pub fn n_inline_calls(&self) -> usize {
        self.n_inline_calls
    }

    /// How many of the sites that do not compare inline check their arguments inline and
    /// call the helper's test directly on the field's bytes (a test of a `str` field other
    /// than equality, prefix or suffix, or with a pattern over 16 bytes; see the module
    /// documentation).
    pub fn n_direct_tests(&self) -> usize {
        self.n_direct_tests
    }

    /// How many chains of `jeq` tests of one register against constants were compiled as a
    /// multi-way branch (a binary search or a table; see the module documentation).
    pub fn n_switches(&self) -> usize {
        self.n_switches
    }

    /// How many of the switches ([`JitProgram::n_switches`]) run as one arm whose
    /// immediates come from a table, with no branch (see the module documentation).
    pub fn n_switch_tables(&self) -> usize {
        self.n_switch_tables
    }

    /// The number of slots in the program.
    pub fn n_insns(&self) -> usize {
        self.lddw_heads.len()
    }

    /// The maps the program was compiled with.
    pub fn maps(&self) -> &Maps {
        &self.maps
    }

    /// Runs a `mem` program: `r1` points to `mem`, which the program may read and write, and
    /// `r2` holds its length. Returns `r0`. A program compiled from a [`VerifiedProgram`] in
    /// unchecked mode runs only on a buffer of exactly the length it was verified for (the
    /// proof covers no other); anything else is a [`RunErrorKind::BadInput`] error and
    /// nothing runs.
    pub fn run_mem(&self, mem: &mut [u8]) -> Result<u64, RunError> {
        if let Entry::Verified(contract) = &self.entry {
            contract.check_mem(mem.len())?;
        }
        let args = [mem.as_ptr() as u64, mem.len() as u64, 0, 0, 0];
        runtime::run_mem(self, args, mem)
    }

    /// Runs a program of a context program type (an event type) on the context `fixed` and
    /// the data area `data`, with a reusable `scratch` (one per thread; a warmed-up run
    /// allocates nothing) and `state` for the helpers (alerts, trace output). Returns `r0`.
    ///
    /// The run gets the verifier's entry contract whatever the bytes: `fixed` is copied into
    /// the scratch and `r1` points to the copy, whose `data` and `data_end` fields are set to
    /// the bounds of `data`; a `fixed` of another size than the context, a `data` longer than
    /// the program type's maximum or a bounded field (a string offset or length) above its
    /// bound is a [`RunErrorKind::BadInput`] error, and nothing runs. The data area is
    /// read-only, and so is the context unless the program type lets the program write a
    /// field (it then writes the copy).
    pub fn run_context(
        &self,
        fixed: &[u8],
        data: &[u8],
        scratch: &mut Scratch,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        let contract = match &self.entry {
            Entry::Verified(contract) | Entry::Checked(Some(contract)) => contract.context()?,
            Entry::Unverified | Entry::Checked(None) => {
                return Err(RunError {
                    insn_idx: 0,
                    kind: RunErrorKind::BadInput {
                        reason: "the program was compiled from instructions, not from a \
                                 VerifiedProgram, so it has no context layout: use `run`"
                            .to_string(),
                    },
                })
            }
        };
        let Scratch {
            stack,
            context,
            memory,
        } = scratch;
        let context = contract.prepare_context(fixed, data, context)?;
        let run = PreparedRun {
            context,
            data,
            stack,
            memory,
        };
        self.run_on(run, contract.writable(), state)
    }

    /// [`JitProgram::run_context`] on an event lent to the rules of its type (an engine's
    /// inner loop): the same checks, made once for all the rules with the same entry
    /// contract (see [`PreparedEvent`]).
    #[inline]
    pub fn run_prepared(
        &self,
        event: &mut PreparedEvent<'_, '_>,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        let contract = match &self.entry {
            Entry::Verified(contract) | Entry::Checked(Some(contract)) => contract.context()?,
            Entry::Unverified | Entry::Checked(None) => {
                let (fixed, data, scratch) = event.unprepared();
                return self.run_context(fixed, data, scratch, state);
            }
        };
        let run = event.run_for(contract)?;
        self.run_on(run, contract.writable(), state)
    }

    /// Runs the program on a context copy already checked against its entry contract, with
    /// `r1` pointing to it.
    #[inline]
    fn run_on(
        &self,
        run: PreparedRun<'_>,
        context_writable: bool,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        let PreparedRun {
            context,
            data,
            stack,
            memory,
        } = run;
        let args = [context.as_ptr() as u64, 0, 0, 0, 0];
        let stack = stack.zeroed_top(self.n_frames * STACK_PER_FRAME, self.stack_zeroed);
        runtime::run(
            self,
            args,
            stack,
            runtime::PendingRegions::Context {
                context,
                writable: context_writable,
                data,
            },
            memory,
            state,
        )
    }

    /// Runs the program with `r1`-`r5` set to `args` (other registers 0, `r10` at the top of
    /// a zeroed stack) and `regions` as the memory it may touch besides the stack, as the
    /// checked interpreter's `run` does. Returns `r0`. In checked mode the first region is
    /// checked inline and the others through [`crate::Memory`], so put the hottest first.
    ///
    /// No check can relate arbitrary arguments to a program type, so a program compiled from
    /// a [`VerifiedProgram`] in unchecked mode refuses this entry with
    /// [`RunErrorKind::BadInput`]: run it with [`JitProgram::run_mem`] or
    /// [`JitProgram::run_context`], or compile it in checked mode.
    pub fn run(&self, args: [u64; 5], regions: Vec<MemoryRegion<'_>>) -> Result<u64, RunError> {
        if let Entry::Verified(_) = &self.entry {
            return Err(RunError {
                insn_idx: 0,
                kind: RunErrorKind::BadInput {
                    reason: "a program compiled from a VerifiedProgram without checks runs \
                             only through run_mem or run_context, whose inputs are checked \
                             against its program type"
                        .to_string(),
                },
            });
        }
        let mut stack = vec![0u8; self.n_frames * STACK_PER_FRAME];
        let mut buffers = crate::memory::MemoryBuffers::default();
        runtime::run(
            self,
            args,
            &mut stack,
            runtime::PendingRegions::Many(regions),
            &mut buffers,
            None,
        )
    }

    /// The error for a fault the compiled code recorded itself (`code` from the context).
    fn static_fault(&self, code: u64, insn_idx: u64, arg: u64) -> RunError {
        if code == runtime::FAULT_BUDGET {
            // The block starting at `insn_idx` had budget for only `arg` of its instructions:
            // the interpreter stops at the next one.
            let mut slot = insn_idx as usize;
            for _ in 0..arg {
                slot += if self.lddw_heads.get(slot).copied().unwrap_or(false) {
                    2
                } else {
                    1
                };
            }
            return RunError {
                insn_idx: slot,
                kind: RunErrorKind::BudgetExhausted {
                    budget: self.config.max_insns,
                },
            };
        }
        match usize::try_from(code)
            .ok()
            .and_then(|code| code.checked_sub(1))
            .and_then(|idx| self.static_faults.get(idx))
        {
            Some(error) => error.clone(),
            None => RunError {
                insn_idx: insn_idx as usize,
                kind: RunErrorKind::BadInstruction {
                    reason: "the compiled code reported an unknown fault",
                },
            },
        }
    }
}
