//! The JIT: programs compiled to native code for the host with Cranelift, run with the same
//! memory model, helpers and semantics as the checked interpreter ([`crate::checked`]).
//!
//! Module map:
//! - `compile.rs`: BPF to Cranelift IR, and [`JitCompiler`], the reusable compiler. The eleven BPF registers
//!   are Cranelift `Variable`s, so SSA form comes from cranelift-frontend (Braun et al.,
//!   "Simple and Efficient Construction of Static Single Assignment Form", CC 2013); one
//!   Cranelift block per BPF basic block; each BPF function (the entry and every target of a
//!   local call) is its own Cranelift function. No `unsafe`.
//! - `code.rs`: links the compiled functions into one buffer and maps it: written while
//!   read+write, then switched to read+execute (memmap2's `make_exec`), never both at once.
//!   Holds the one `unsafe` that turns the entry address into a function pointer and calls it.
//! - `runtime.rs`: the run context the compiled code receives, and the `extern "C"`
//!   trampolines through which it calls helpers (the same [`Helpers`] registry as the
//!   interpreter) and, in checked mode, asks [`crate::Memory`] about an access its inline
//!   checks did not cover.
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
//!   in bounds and terminating, which is why the entry point for raw instructions,
//!   [`JitProgram::compile_unverified`], is `unsafe`.
//! * Checked mode ([`JitConfig::checked`]): every access is first checked inline against the
//!   current stack window and the first region (the input buffer or context); anything else
//!   goes to [`crate::Memory`], which knows every region and builds the same [`RunError`] the
//!   interpreter would. Instructions are counted per basic block against
//!   [`JitConfig::max_insns`]: a block is charged on entry, and when fewer instructions are
//!   left than it holds the run stops there, naming the instruction where the interpreter
//!   stops, but without the effects of the block's instructions before it (the interpreter
//!   performs them, and would report a memory fault among them first). A checked program
//!   cannot touch memory outside its regions, whatever its instructions, so
//!   [`JitProgram::compile_checked`] is safe. Known gap: an atomic on a shared (map value)
//!   region that straddles an 8-byte word is refused by the interpreter and performed by
//!   the checked JIT.
//!
//! Setting `RINGFENCE_JIT_DUMP` in the environment prints each function's Cranelift IR and
//! machine code (VCode) to standard error while compiling.
//!
//! Architecture Invariant: the only `unsafe` of the JIT lives in `code.rs` (calling the
//! compiled code) and `runtime.rs` (the trampolines reading the run context); `compile.rs` is
//! `#![forbid(unsafe_code)]`. Compilation never panics on any input: every problem is a
//! [`JitError`].

mod code;
mod compile;
mod runtime;

use ringfence_isa::Insn;

use crate::error::{RunError, RunErrorKind};
use crate::helpers::Helpers;
use crate::memory::{MemoryRegion, RegionKind};

pub use compile::JitCompiler;

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
}

impl Default for JitConfig {
    fn default() -> JitConfig {
        JitConfig {
            checked: false,
            max_insns: 1_000_000,
            max_call_depth: 8,
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
    /// An instruction that cannot run at all is reachable (unchecked mode; checked mode
    /// compiles it to a fault, as the interpreter raises one).
    #[error("instruction {insn_idx}: cannot compile this instruction: {reason}")]
    BadInstruction {
        insn_idx: usize,
        reason: &'static str,
    },
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
    /// Faults known at compile time (checked mode), indexed by their code minus one.
    static_faults: Vec<RunError>,
    /// For each slot, whether it starts an instruction of two slots (`lddw`); used to name the
    /// instruction where the budget ran out.
    lddw_heads: Vec<bool>,
}

impl JitCompiler {
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
        self.compile_insns(insns, helpers, config)
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
        self.compile_insns(insns, helpers, config)
    }
}

impl JitProgram {
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

    /// The number of slots in the program.
    pub fn n_insns(&self) -> usize {
        self.lddw_heads.len()
    }

    /// Runs a `mem` program: `r1` points to `mem`, which the program may read and write, and
    /// `r2` holds its length. Returns `r0`.
    pub fn run_mem(&self, mem: &mut [u8]) -> Result<u64, RunError> {
        let args = [mem.as_ptr() as u64, mem.len() as u64, 0, 0, 0];
        runtime::run(
            self,
            args,
            runtime::PendingRegions::One(RegionKind::Input, mem),
        )
    }

    /// Runs the program with `r1`-`r5` set to `args` (other registers 0, `r10` at the top of
    /// a zeroed stack) and `regions` as the memory it may touch besides the stack, as the
    /// checked interpreter's `run` does. Returns `r0`. In checked mode the first region is
    /// checked inline and the others through [`crate::Memory`], so put the hottest first.
    pub fn run(&self, args: [u64; 5], regions: Vec<MemoryRegion<'_>>) -> Result<u64, RunError> {
        runtime::run(self, args, runtime::PendingRegions::Many(regions))
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
