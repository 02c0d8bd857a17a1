//! Run-time faults: every way a run can fail, each naming the instruction where it happened
//! and the context a reader needs (address, access size, region, budget, target).
#![forbid(unsafe_code)]

use std::fmt;

use crate::memory::{
    describe_misaligned_atomic, describe_nearest, Access, MemoryFault, NearestRegion, Region,
};

/// A fault that ended a run: where it happened and what it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RunError {
    /// The index (in 8-byte slots) of the instruction that faulted.
    pub insn_idx: usize,
    pub kind: RunErrorKind,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "instruction {}: {}", self.insn_idx, self.kind)
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunErrorKind {
    /// A memory access lies (at least partly) outside every region the program may touch.
    #[error(
        "{size}-byte {access} at {addr:#x} is outside every region{}",
        describe_nearest(nearest)
    )]
    OutOfBounds {
        addr: u64,
        size: u64,
        access: Access,
        /// The region closest to the access, and how the access missed it.
        nearest: Option<NearestRegion>,
    },
    /// A write into a region the program may only read.
    #[error("{size}-byte write at {addr:#x} into read-only {region}")]
    ReadOnly {
        addr: u64,
        size: u64,
        region: Region,
    },
    /// An atomic instruction on shared memory that straddles two of its 8-byte words.
    #[error("{}", describe_misaligned_atomic(*addr, *size, region))]
    MisalignedAtomic {
        addr: u64,
        size: u64,
        region: Region,
    },
    /// The run executed its whole instruction budget without finishing.
    #[error("the budget of {budget} instructions is exhausted")]
    BudgetExhausted { budget: u64 },
    /// A local call would need more stack frames than allowed.
    #[error("a local call would exceed the limit of {max_depth} stack frames")]
    CallDepthExceeded { max_depth: usize },
    /// A call (`call imm` or `callx`) to a helper number nothing is registered under.
    #[error("call to unknown helper {id}")]
    UnknownHelper { id: u64 },
    /// A helper refused its arguments.
    #[error("helper {id} ({name}) failed: {message}")]
    HelperFailed {
        id: u32,
        name: &'static str,
        message: String,
    },
    /// A jump or local call to a slot outside the program.
    #[error("jump to instruction {target} is outside the program ({n_insns} instructions)")]
    JumpOutOfProgram { target: i64, n_insns: usize },
    /// A jump or local call to the second slot of an `lddw`.
    #[error("jump to instruction {target} lands in the second slot of the lddw at {}", target - 1)]
    JumpIntoLddw { target: usize },
    /// Execution ran past the last instruction without an `exit`.
    #[error("execution runs past the last instruction without reaching exit")]
    FellOffEnd,
    /// An instruction this interpreter cannot execute at all.
    #[error("cannot execute this instruction: {reason}")]
    BadInstruction { reason: &'static str },
    /// The input breaks the entry contract the program was verified under (a `mem` buffer
    /// of another length, an event of another type, a string offset above the schema's
    /// bound): nothing ran, since the verifier's proof does not cover this input.
    #[error("the input does not satisfy what the program was verified for: {reason}")]
    BadInput { reason: String },
}

impl RunErrorKind {
    /// The variant's name, as test expectations spell it (`OutOfBounds`).
    pub fn name(&self) -> &'static str {
        match self {
            RunErrorKind::OutOfBounds { .. } => "OutOfBounds",
            RunErrorKind::ReadOnly { .. } => "ReadOnly",
            RunErrorKind::MisalignedAtomic { .. } => "MisalignedAtomic",
            RunErrorKind::BudgetExhausted { .. } => "BudgetExhausted",
            RunErrorKind::CallDepthExceeded { .. } => "CallDepthExceeded",
            RunErrorKind::UnknownHelper { .. } => "UnknownHelper",
            RunErrorKind::HelperFailed { .. } => "HelperFailed",
            RunErrorKind::JumpOutOfProgram { .. } => "JumpOutOfProgram",
            RunErrorKind::JumpIntoLddw { .. } => "JumpIntoLddw",
            RunErrorKind::FellOffEnd => "FellOffEnd",
            RunErrorKind::BadInstruction { .. } => "BadInstruction",
            RunErrorKind::BadInput { .. } => "BadInput",
        }
    }
}

impl From<MemoryFault> for RunErrorKind {
    fn from(fault: MemoryFault) -> RunErrorKind {
        match fault {
            MemoryFault::OutOfBounds {
                addr,
                size,
                access,
                nearest,
            } => RunErrorKind::OutOfBounds {
                addr,
                size,
                access,
                nearest,
            },
            MemoryFault::ReadOnly { addr, size, region } => {
                RunErrorKind::ReadOnly { addr, size, region }
            }
            MemoryFault::MisalignedAtomic { addr, size, region } => {
                RunErrorKind::MisalignedAtomic { addr, size, region }
            }
        }
    }
}
