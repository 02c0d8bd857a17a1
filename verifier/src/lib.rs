//! Proves, before a BPF program may run, that every memory access is in bounds, that nothing
//! uninitialised is read, and that the program terminates within a stated bound.
//!
//! [`verify`] checks the structure first (`cfg.rs`: jumps, functions, calls, loops), then
//! runs an abstract interpretation over the control-flow graph (`analysis.rs`), then bounds
//! every loop (`bounds.rs`) and feeds the bounds back as loop invariants until they are
//! confirmed by the run they feed.
//!
//! # The abstract domain
//!
//! - Per register (`state.rs`): uninitialised (the top: reading it is an error); a value that
//!   is a pointer on some paths and a number on others (may be copied, not used); a scalar,
//!   abstracted by the reduced product of a tristate number with unsigned and signed ranges in
//!   64 and 32 bits ([`domain`], after the Linux kernel's `bpf_reg_state` and Vishwanathan et
//!   al., "Sound, Precise, and Fast Abstract Interpretation with Tristate Numbers", CGO 2022);
//!   a pointer to one region (a stack frame, the context, the `mem` buffer, the data area,
//!   a map value) with a scalar offset and, when it may be null, the id of the helper call
//!   that produced it; for map values, which value (the lookup that returned it, until that
//!   lookup runs again; the one `map_value` names; unknown): two pointers into one map are
//!   subtracted and ordered by their offsets only when they point into the same value;
//!   `data_end`; a map reference.
//! - Per stack byte of every live frame (512 bytes each): uninitialised, part of a spilled
//!   pointer (unreadable as a number), any number, zero; an aligned 8-byte store of a
//!   register keeps the whole value (a *spill*), and an aligned 8-byte load gives it back.
//! - Relations where safety needs them: data-area pointers carry a base id and a constant
//!   (`base + c`), and the state records, per base, how far past it `data_end` is proven to
//!   be (`if p + k > data_end` proves `k` bytes from `p`'s base). Adding a number that is
//!   not a constant makes a new base, which starts with what the old one had proven less
//!   the number's largest value (`p + i` for `i` in `[0, 63]` after 64 bytes were proven
//!   from `p` has 1 byte, so `p[i]` may be read without a check per index, which Linux
//!   asks for). The state remembers which base each such sum made, keyed by the old base,
//!   its constant and the number's copy id, so that computing the same sum again (clang
//!   checks `p + i` and then recomputes it for the read) gives the same base and its proof.
//!   Nullable pointers carry the id of the call that made them, so one null check clears
//!   every copy; scalars copied by `mov` or spilled and filled share a copy id, so a branch
//!   that refines one refines all (the kernel's scalar ids).
//!
//! Join: pointwise; scalars by [`domain::Scalar::join`], pointers of one region by joining
//! offsets, anything else to the mixed value; stack bytes to the worse state; a data-area
//! pointer whose base differs between the joined paths gets a fresh base with nothing
//! proven. A node's state is the join of its predecessors' current edge states. Widening (at
//! loop headers after two plain joins): [`domain::Scalar::widen`] with thresholds (every
//! constant of the program, plus and minus one, the region sizes). Narrowing: two
//! descending passes after the fixpoint ([`domain::Scalar::narrow`] at headers), then a
//! checking pass that confirms the result is still a post-fixpoint and reports errors.
//! Loop bounds (`bounds.rs`) come back as invariants met into header states; a run that used
//! invariants counts only if the bounds it yields are within them (else it is redone with
//! the new ones, at most four times).
//!
//! Transfer functions: ALU on scalars through [`domain::Scalar::alu`]; pointer plus or minus
//! a scalar within ±2^30 moves the offset; pointer minus pointer of one region is a scalar;
//! every other pointer operation, and every 32-bit operation on a pointer, is rejected. Loads,
//! stores and atomics check the region, the permission and `[off.min + insn.off, off.max +
//! insn.off + size)` against the region's size; atomics must also be naturally aligned (the
//! offset's tristate number proves `off + insn.off` a multiple of the size, as Linux
//! requires; every region starts 8-byte aligned); stack reads need initialised bytes; pointers
//! may only be stored on the stack. Helper calls check each argument against the signature
//! (memory a helper writes is checked as a store: inside the context, only writable scalar
//! fields, never `data`, `data_end` or a bounded field the analysis trusts; memory it reads
//! as a load, and it may read no address: neither a spilled pointer's bytes nor `data` and
//! `data_end`), make `r1`-`r5` unreadable and give `r0` the return kind. Local calls are inlined per
//! call site with a fresh frame (`r6`-`r9` restored on return). Conditional jumps refine
//! both outcomes with [`domain::refine`] and prune the impossible one; a null check of a
//! nullable pointer clears every copy with the same id.
//!
//! # Not checked
//!
//! - Relations between scalar registers other than copies (`r1 < r2` refines each alone;
//!   `r2 = r1 + 1` forgets that `r2` follows `r1`), except between a loop's induction
//!   variables and their values at its header (`bounds.rs`), which is what clang's rotated
//!   loops need.
//! - Which map value a pointer is into once paths with different lookups join (clang's
//!   lookup-or-insert): pointers derived from the joined one are then not ordered by their
//!   offsets, so a walk from it to its end is refused. (Linux orders no two map-value
//!   pointers at all.)
//! - Loops whose induction variable moves by a register amount, or is compared through a
//!   value derived by anything but adding constants: rejected as unbounded.
//! - Values inside the buffer, the context's scalar fields, map values (all unknown).
//! - Helpers' own behaviour: a helper is trusted to respect its signature.
//! - Alignment of memory accesses other than atomics and pointer spills.
//! - Concurrency: atomics are checked as a read and a write of the same bytes.
//! - Division by zero is not an error (BPF defines its result).
#![forbid(unsafe_code)]
// A rejection is the cold path, built once per verification; boxing it would only make the
// public `Result<VerifiedProgram, VerifyError>` clumsier.
#![allow(clippy::result_large_err)]

mod analysis;
mod bounds;
mod cfg;
pub mod config;
pub mod domain;
pub mod error;
pub mod program_type;
mod state;
pub mod verified;

use ringfence_isa::Insn;

pub use cfg::MAX_FRAMES;
pub use config::{MapDef, VerifierConfig};
pub use error::{PathStep, VerifyError, VerifyErrorKind};
pub use program_type::{
    Access, ArgKind, Context, ContextLayout, Field, FieldKind, HelperSig, ProgramType, RetKind,
    ReturnRange,
};
pub use state::STACK_SIZE;
pub use verified::{StackUsage, VerifiedProgram};

use analysis::{Analyzer, Invariants};

/// How many times loop invariants may be derived and re-checked.
const INVARIANT_ROUNDS: usize = 4;

/// Verifies `insns` (one per slot) as a program of type `prog_type`.
pub fn verify(
    insns: &[Insn],
    prog_type: &ProgramType,
    config: &VerifierConfig,
) -> Result<VerifiedProgram, VerifyError> {
    if let Context::Struct(layout) = &prog_type.context {
        if let Some(reason) = layout.problem() {
            return Err(VerifyError::at(
                insns,
                VerifyErrorKind::BadProgramType { reason },
                0,
                "fix the program type's context layout",
            ));
        }
    }
    let cfg = cfg::build(insns)?;
    let an = Analyzer::new(insns, &cfg, prog_type, config)?;
    let mut inv = Invariants::new();
    let mut last_error = None;
    for _ in 0..INVARIANT_ROUNDS {
        let run = an.run(&inv);
        let bounds = bounds::analyze(&an, &run);
        // Invariants used in this run must contain those this run derives.
        let confirmed = inv.iter().all(|(h, used)| {
            used.iter().all(|(loc, u)| {
                bounds
                    .invariants
                    .get(h)
                    .and_then(|l| l.iter().find(|(l2, _)| l2 == loc))
                    .is_some_and(|(_, new)| new.le(u))
            })
        });
        let error = run.error.clone().or(bounds.error.clone());
        if confirmed {
            match error {
                None => {
                    if let Some(limit) = config.max_worst_case {
                        if bounds.worst_case > limit {
                            return Err(VerifyError::at(
                                insns,
                                VerifyErrorKind::TooManyInsns {
                                    worst_case: bounds.worst_case,
                                },
                                0,
                                "lower the loop bounds",
                            ));
                        }
                    }
                    let stack_usage = cfg
                        .funcs
                        .iter()
                        .zip(&run.stack_usage)
                        .map(|(f, &bytes)| StackUsage {
                            func_start: f.start,
                            bytes,
                        })
                        .collect();
                    return Ok(VerifiedProgram::new(
                        insns.to_vec(),
                        prog_type.clone(),
                        config.maps.clone(),
                        bounds.worst_case,
                        stack_usage,
                    ));
                }
                Some(e) if bounds.invariants == inv => return Err(e),
                Some(e) => last_error = Some(e),
            }
        } else if error.is_some() {
            last_error = error;
        }
        inv = bounds.invariants;
    }
    Err(last_error.unwrap_or_else(|| {
        VerifyError::at(
            insns,
            VerifyErrorKind::TooComplex,
            0,
            "loop invariants did not stabilise; simplify the loop nest",
        )
    }))
}
