//! Helper call sites the compiler specialises: an rf_* call whose pattern (its `r3`
//! pointer and `r4` length) is a constant inside a read-only map, such as
//! `rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, RF_LIT("/nc"))`. The pattern's bytes are found
//! once, at compile time, and the call goes to `runtime::call_rf_site`, which applies the
//! helper's string test to the field directly: no dispatch on the helper's number, no search
//! of the run's regions for the pattern, no check of a map-value result (rf_* helpers
//! return none).
//!
//! Same answers as the generic path by construction. The constants come from a scan of the
//! call's basic block ([`block_constants`]), but a site does not trust it: it answers only
//! when the call's actual `r3` and `r4` are the ones it was built for, and only through
//! [`RfBound::call_element_test`], which requires `r1` to be the context and the field to
//! be a string field with its bytes in the data area; anything else (and any failure) takes
//! the generic path, which answers or fails exactly as the interpreter.
//!
//! A test of a `str` field can also be compiled inline ([`InlineMatch`]): the code checks
//! the arguments, the context and the descriptor itself, then compares the bytes natively
//! (an equality, prefix or suffix test against at most 16 bytes) or passes their address
//! and length straight to the site's test (`runtime::call_site_test`: any other test), and
//! takes the call for anything it did not check. A site's test is the helper's plain
//! equivalent for its pattern where it has one ([`RfHelper::as_plain`]): a glob `*/nginx`
//! is a suffix test, compared inline.
//!
//! A frozen map never changes, so its bytes at compile time are its bytes at every run.
//!
//! [`RfHelper::as_plain`]: crate::rf_helpers::RfHelper::as_plain
#![forbid(unsafe_code)]

use std::ops::Range;
use std::sync::Arc;

use ringfence_isa::{AluOp, CallKind, Imm64Kind, Insn, Semantics, Source, Width, N_REGS};

use ringfence_verifier::{ProgramType, RetKind};

use crate::backend::EntryContract;
use crate::event::FieldKind;
use crate::helpers::Helper;
use crate::rf_helpers::direct::{FrozenRegion, FrozenSlice, RfBound, DATA_AT, DATA_END_AT};
use crate::rf_helpers::{ElementTest, StrMatch};

/// The longest pattern compared inline (two 8-byte loads).
const MAX_INLINE_PATTERN: usize = 16;

/// One specialised call site.
#[derive(Debug)]
pub(crate) struct RfSite {
    pub(crate) bound: Arc<RfBound>,
    /// The `r3` and `r4` the site was built for.
    addr: u64,
    len: u64,
    pattern: FrozenSlice,
    /// What the site applies to a field's bytes: the helper's plain equivalent for this
    /// pattern when it has one ([`RfHelper::as_plain`]), on the part of the pattern it
    /// takes, else the helper's own element test on the whole pattern.
    ///
    /// [`RfHelper::as_plain`]: crate::rf_helpers::RfHelper::as_plain
    test: ElementTest,
    test_part: Range<usize>,
    /// The plain test, if it is one a compiler may emit inline.
    inline_kind: Option<StrMatch>,
}

impl RfSite {
    /// A site for a call of `helper` whose `r3` and `r4` are the constants `r3`, `r4`, if
    /// the helper is an rf_* string test ([`RfHelper::element_test`]) taking its pattern
    /// there and the pattern lies in one of `frozen`.
    ///
    /// [`RfHelper::element_test`]: crate::rf_helpers::RfHelper::element_test
    pub(crate) fn new(
        helper: &Helper,
        frozen: &[FrozenRegion],
        r3: Option<u64>,
        r4: Option<u64>,
    ) -> Option<RfSite> {
        let bound = helper.direct_shared()?;
        if bound.helper().element_test.is_none() || bound.helper().mem_arg() != Some((2, 3)) {
            return None;
        }
        let (addr, len) = (r3?, r4?);
        let pattern = FrozenSlice::find(frozen, addr, len)?;
        let helper = bound.helper();
        let (test, test_part, inline_kind) = match helper.as_plain(pattern.as_bytes()) {
            Some((plain, part)) => (plain.element_test(), part, plain.str_match()),
            None => (helper.element_test?, 0..pattern.as_bytes().len(), None),
        };
        Some(RfSite {
            bound: bound.clone(),
            addr,
            len,
            pattern,
            test,
            test_part,
            inline_kind,
        })
    }

    /// The site's test compiled inline, if `r2` is the constant `field_id` naming a `str`
    /// field: as native comparisons ([`InlineTest::Compare`]) if the site's test is an
    /// equality, prefix or suffix test of at most 16 bytes (a glob may be one), else as a
    /// direct call of the site's test on the field's bytes ([`InlineTest::CallTest`]).
    pub(crate) fn inline_match(
        &self,
        field_id: Option<u64>,
        contract: Option<EventContract>,
    ) -> Option<InlineMatch> {
        let (field_id, contract) = (field_id?, contract?);
        let layout = self.bound.layout();
        let field = layout.fields.get(usize::try_from(field_id).ok()?)?;
        let pattern = self.test_pattern();
        // The descriptor lies inside every context the program runs on.
        let fits = field.offset.checked_add(8)? <= layout.size.min(contract.size);
        if field.kind != FieldKind::Str || !fits {
            return None;
        }
        let test = match self.inline_kind {
            Some(kind) if pattern.len() <= MAX_INLINE_PATTERN => InlineTest::Compare {
                kind,
                pattern: pattern.to_vec(),
            },
            _ => InlineTest::CallTest,
        };
        Some(InlineMatch {
            test,
            args: [field_id, self.addr, self.len],
            descriptor: field.offset as i32,
        })
    }

    /// The bytes the site's test takes: the pattern, or the part of it its plain test takes.
    fn test_pattern(&self) -> &[u8] {
        &self.pattern.as_bytes()[self.test_part.clone()]
    }

    /// The site's test of `bytes`: the helper's answer, 0 or 1, for a `str` field of those
    /// bytes (see [`InlineTest::CallTest`]).
    #[inline]
    pub(crate) fn test_bytes(&self, bytes: &[u8]) -> u64 {
        u64::from((self.test)(bytes, self.test_pattern()))
    }

    /// The pattern's bytes, if `args` are the call's arguments the site was built for.
    #[inline]
    pub(crate) fn pattern_for(&self, args: &[u64; 5]) -> Option<&[u8]> {
        (args[2] == self.addr && args[3] == self.len).then(|| self.pattern.as_bytes())
    }
}

/// A string test of a `str` field against a constant pattern, which the compiler emits in
/// native code in place of the call (`Emitter::inline_match`), with the call as the path for
/// whatever the inline code does not check for itself. Compiled only into a program
/// verified against an event type ([`EventContract`]). It answers as
/// [`RfBound::call_element_test`] (and so as the helper) only when all of these hold, which
/// the code checks at run time before reading anything:
/// - `r2`, `r3`, `r4` are `args` (the constants the site was compiled for);
/// - `r1` is the event run's context (`RunContext::event_context`): a copy of at least
///   the site's event layout, whose `data` and `data_end` fields are the run's data area
///   (`RunContext::event_data`), as the helper would read them;
/// - the field's descriptor (offset, length) lies inside the data area.
#[derive(Clone, Debug)]
pub(crate) struct InlineMatch {
    pub(crate) test: InlineTest,
    pub(crate) args: [u64; 3],
    /// The offset in the context of the field's descriptor: `u32` offset, `u32` length.
    pub(crate) descriptor: i32,
}

/// What the compiler takes from a program's verification for its call sites (absent for
/// code compiled from instructions, whose caller vouches for it).
#[derive(Clone, Debug, Default)]
pub(crate) struct SiteFacts {
    /// What every run's context is, for a program verified against an event type: the
    /// condition for compiling a site's test inline.
    pub(crate) event_contract: Option<EventContract>,
    /// The helpers whose verified signature returns a number, the only ones a site may
    /// answer for: a site's answer skips the check of a returned pointer
    /// (`MapValueReturns`), which a helper registered under a number the program type
    /// calls a lookup would need.
    pub(crate) scalar_helpers: Vec<i32>,
}

impl SiteFacts {
    /// The facts of a program verified against `prog_type`, whose entry contract is
    /// `contract`.
    pub(crate) fn of(prog_type: &ProgramType, contract: &EntryContract) -> SiteFacts {
        SiteFacts {
            event_contract: EventContract::of(contract),
            scalar_helpers: prog_type
                .helpers
                .iter()
                .filter(|(_, sig)| sig.ret == RetKind::Scalar)
                .map(|(&id, _)| id)
                .collect(),
        }
    }
}

/// What every run of a program verified against an event type gets from its entry contract
/// (`backend::ContextContract`), which the sites compiled inline rely on: `r1` is the run's
/// context copy, of `size` bytes, whose `data` and `data_end` fields (at the offsets the rf_*
/// helpers read them, `DATA_AT` and `DATA_END_AT`) bound a data area of at most `u32::MAX`
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventContract {
    pub(crate) size: u32,
}

impl EventContract {
    /// The guarantees of `contract`, if it is an event type's with the rf_* helpers' layout
    /// of the data fields.
    pub(crate) fn of(contract: &EntryContract) -> Option<EventContract> {
        let EntryContract::Context(contract) = contract else {
            return None;
        };
        if contract.data_fields() != Some((DATA_AT, DATA_END_AT))
            || contract.max_data_len() > u64::from(u32::MAX)
        {
            return None;
        }
        let size = u32::try_from(contract.size()).ok()?;
        Some(EventContract { size })
    }
}

/// What the inline code does with the field's bytes once the checks of [`InlineMatch`]
/// hold.
#[derive(Clone, Debug)]
pub(crate) enum InlineTest {
    /// Compares them with the pattern (at most 16 bytes) in native code.
    Compare { kind: StrMatch, pattern: Vec<u8> },
    /// Passes their address and length to `runtime::call_site_test`, which applies the
    /// site's element test ([`RfSite::test_bytes`]): no run state, no event view, no search
    /// for the field.
    CallTest,
}

/// The registers holding a known constant just before slot `pc`, from the slots
/// `leader..pc` of its basic block (straight-line code: only the block's first slot is
/// entered from elsewhere): set by `mov` of an immediate or `lddw` of a value, forgotten by
/// anything else that writes them.
pub(crate) fn block_constants(insns: &[Insn], leader: usize, pc: usize) -> [Option<u64>; N_REGS] {
    let mut known = [None; N_REGS];
    let mut slot = leader;
    while slot < pc {
        let insn = insns[slot];
        let dst = insn.dst as usize % N_REGS;
        match insn.semantics() {
            Semantics::Alu {
                op: AluOp::Mov,
                width,
                source: Source::Imm,
            } => {
                known[dst] = Some(match width {
                    Width::W64 => insn.imm32() as i64 as u64,
                    Width::W32 => insn.imm32() as u32 as u64,
                });
            }
            Semantics::LoadImm64 {
                kind: Imm64Kind::Value,
            } => known[dst] = Some(insn.imm as u64),
            Semantics::Store { .. } | Semantics::Goto { .. } | Semantics::Branch { .. } => {}
            Semantics::Atomic { .. } => {
                // Fetching forms write `src`, compare-and-exchange `r0`.
                known[insn.src as usize % N_REGS] = None;
                known[0] = None;
            }
            Semantics::Call { kind } => {
                for reg in known.iter_mut().take(6) {
                    *reg = None;
                }
                if kind == CallKind::Local {
                    known = [None; N_REGS];
                }
            }
            _ => known[dst] = None,
        }
        slot += insn.n_slots();
    }
    known
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(source: &str) -> [Option<u64>; N_REGS] {
        let insns = ringfence_isa::assemble("t", source).unwrap().insns;
        block_constants(&insns, 0, insns.len())
    }

    #[test]
    fn constants_come_from_immediate_moves_and_lddw_and_die_on_any_other_write() {
        let regs = known(
            "mov %r2, 7\nmov32 %r3, -1\nlddw %r4, 0x123456789\nmov %r5, -2\n\
             mov %r6, 1\nadd %r6, 1\nmov %r7, 3\nldxdw %r7, [%r10-8]\nmov %r8, %r2\n",
        );
        assert_eq!(regs[2], Some(7));
        assert_eq!(regs[3], Some(0xffff_ffff), "a 32-bit move zero-extends");
        assert_eq!(regs[4], Some(0x1_2345_6789));
        assert_eq!(regs[5], Some(u64::MAX - 1), "a 64-bit move sign-extends");
        assert_eq!(regs[6], None, "arithmetic forgets");
        assert_eq!(regs[7], None, "a load forgets");
        assert_eq!(regs[8], None, "a register move is not followed");
    }

    #[test]
    fn calls_forget_their_argument_registers_and_fetching_atomics_their_source() {
        let regs = known(
            "mov %r1, 1\nmov %r2, 2\nmov %r6, 6\nmov %r0, 9\ncall 5\n\
             mov %r7, 7\nmov %r8, 8\nlock fetch add [%r10-8], %r7\n",
        );
        assert_eq!(regs[1..=5], [None; 5]);
        assert_eq!(regs[0], None);
        assert_eq!(
            regs[6],
            Some(6),
            "callee-saved registers survive a helper call"
        );
        assert_eq!(regs[7], None);
        assert_eq!(regs[8], Some(8));
    }
}
