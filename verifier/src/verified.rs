//! The product of a successful verification: the only way to obtain a [`VerifiedProgram`],
//! which the fast engines require, is [`crate::verify`].

use ringfence_isa::Insn;

use crate::config::MapDef;
use crate::program_type::ProgramType;

/// A program the verifier accepted, with what it proved about it.
///
/// Architecture invariant: the constructor is private to this crate, so holding a
/// `VerifiedProgram` means [`crate::verify`] accepted exactly these instructions for exactly
/// this program type and these maps.
#[derive(Clone, Debug)]
pub struct VerifiedProgram {
    insns: Vec<Insn>,
    prog_type: ProgramType,
    maps: Vec<MapDef>,
    worst_case_insns: u64,
    stack_usage: Vec<StackUsage>,
}

/// The stack bytes one function uses (below its `r10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackUsage {
    /// The slot where the function starts.
    pub func_start: usize,
    /// Bytes used, at most 512.
    pub bytes: u32,
}

impl VerifiedProgram {
    pub(crate) fn new(
        insns: Vec<Insn>,
        prog_type: ProgramType,
        maps: Vec<MapDef>,
        worst_case_insns: u64,
        stack_usage: Vec<StackUsage>,
    ) -> VerifiedProgram {
        VerifiedProgram {
            insns,
            prog_type,
            maps,
            worst_case_insns,
            stack_usage,
        }
    }

    /// The instructions, one per slot.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// The program type it was verified against.
    pub fn prog_type(&self) -> &ProgramType {
        &self.prog_type
    }

    /// The maps it was verified against.
    pub fn maps(&self) -> &[MapDef] {
        &self.maps
    }

    /// The most instructions any run executes (an `lddw` counts once, a helper call once).
    pub fn worst_case_insns(&self) -> u64 {
        self.worst_case_insns
    }

    /// Stack bytes used per function.
    pub fn stack_usage(&self) -> &[StackUsage] {
        &self.stack_usage
    }

    /// The number of instructions (an `lddw` counts once).
    pub fn n_insns(&self) -> usize {
        self.insns.iter().filter(|i| !i.is_lddw_tail()).count()
    }
}
