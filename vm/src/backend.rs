//! What the engines share at their entry: [`Backend`], the choice of engine (the JIT where the
//! host has one, else the fast interpreter; the checked interpreter on request), [`Scratch`],
//! the per-thread memory a run needs besides the program (stack frames, the copy of an event
//! context, the vectors of the helpers' memory view) so that a warmed-up run allocates
//! nothing, and [`EntryContract`], which checks an input against what the verifier assumed of
//! it before any unchecked engine runs on it.
//!
//! # The entry contract
//!
//! The verifier proves a program safe for a [`ProgramType`], *assuming* its input is what the
//! program type describes. The unchecked engines (the JIT, the fast interpreter) rely on that
//! proof, so the runtime must make the assumption true for every input, whoever built it:
//! - `mem` programs: `r1` points to exactly `len` readable and writable bytes, `r2 = len`;
//! - context programs: `r1` points to `size` bytes laid out as the context; the `data` and
//!   `data_end` fields hold the bounds of a readable data area of at most `max_data_len`
//!   bytes; every `Bounded { max }` field holds at most `max` (the verifier lets a program add
//!   such a field to `data` without comparing it first).
//!
//! `ContextContract::prepare_context` establishes the second for bytes from anywhere (an
//! `EventBuf` filled by hand with `put_fixed` included): it copies the fixed part into the
//! scratch, writes `data` and `data_end` itself from the data slice it is given, and refuses
//! (with [`RunErrorKind::BadInput`]) a fixed part of another size, a data area longer than the
//! maximum or a bounded field above its bound. Nothing ran when it refuses. The next rule
//! of the same event type on the same, unchanged event reuses the checked copy (compared
//! byte for byte with the event, but for the `data` and `data_end` it wrote itself, see
//! `ContextBuf`), unless the program type lets programs write the context.
//!
//! An engine's inner loop does better: [`Scratch::prepare`] lends one event to all the rules
//! of its type as a [`PreparedEvent`], which borrows the event (so its bytes cannot change)
//! and the scratch (so nothing else writes the copy); the first rule checks and copies, the
//! next rules of the same contract run on the copy after comparing one id, no bytes. The
//! checks themselves are the same `prepare_uncached` in both paths.
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use ringfence_verifier::{Access, Context, FieldKind, ProgramType};

use crate::error::{RunError, RunErrorKind};
use crate::memory::MemoryBuffers;

/// The engine a program runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Native code compiled with Cranelift ([`crate::jit`]), no run-time checks.
    Jit,
    /// The fast interpreter ([`crate::fast`]), no run-time checks.
    Interpreter,
    /// The checked interpreter ([`crate::checked`]): every access checked, the oracle.
    Checked,
}

impl Backend {
    /// Every backend, in the order the CLI lists them.
    pub const ALL: [Backend; 3] = [Backend::Jit, Backend::Interpreter, Backend::Checked];

    /// Whether the JIT generates code for this host (asked once, then remembered).
    pub fn jit_available() -> bool {
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| crate::jit::JitCompiler::new().is_ok())
    }

    /// The default engine: the JIT where the host has one, else the fast interpreter.
    pub fn host_default() -> Backend {
        if Backend::jit_available() {
            Backend::Jit
        } else {
            Backend::Interpreter
        }
    }

    /// The name the CLI uses: `jit`, `interp`, `checked`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Jit => "jit",
            Backend::Interpreter => "interp",
            Backend::Checked => "checked",
        }
    }
}

impl Default for Backend {
    /// [`Backend::host_default`].
    fn default() -> Backend {
        Backend::host_default()
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no [`Backend`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown engine `{name}`: choose jit, interp or checked")]
pub struct UnknownBackend {
    pub name: String,
}

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(name: &str) -> Result<Backend, UnknownBackend> {
        match name {
            "jit" => Ok(Backend::Jit),
            "interp" | "interpreter" | "fast" => Ok(Backend::Interpreter),
            "checked" => Ok(Backend::Checked),
            _ => Err(UnknownBackend {
                name: name.to_string(),
            }),
        }
    }
}

/// What runs need besides the program, reused from run to run: give each thread its own and
/// pass it to every run ([`crate::rule::Rule::evaluate_with`],
/// [`crate::jit::JitProgram::run_context`]). It grows to the largest run it has served and
/// then never allocates again. Holds no data between runs that a run could observe: contexts
/// are overwritten before each run, and stacks zeroed, except (the JIT) the bytes below
/// those a verified program without local calls may write, which it never reads.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The stack frames of a run.
    pub(crate) stack: AlignedBuf,
    /// The copy of the event context a run's `r1` points to.
    pub(crate) context: ContextBuf,
    /// The vectors of the helpers' [`crate::Memory`].
    pub(crate) memory: MemoryBuffers,
}

impl Scratch {
    /// An empty scratch; it grows on first use.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// One event lent to the rules of its type, with the scratch they run in: made by
/// [`Scratch::prepare`] once per event, passed to every rule
/// ([`crate::rule::Rule::evaluate_prepared`], [`crate::jit::JitProgram::run_prepared`]).
/// The first rule checks the event against its [`ContextContract`] and copies the context
/// into the scratch; the next rules of the same contract run on that copy without checking
/// or comparing anything.
///
/// Why no comparison is needed: for as long as a `PreparedEvent` lives, it borrows the
/// event's bytes (shared: nobody can change them) and the scratch (exclusive: only runs
/// through this value touch the copy). Invariant: when `ready` is `Some(id)`, the first
/// `size` bytes of `scratch.context.buf` (`size` of the contract with that `id`, equal ids
/// meaning equal checks, see `ContextContract::intern`) are what
/// `ContextContract::prepare_uncached` produced from `fixed` and `data` and passed its
/// checks. `ready` is set only by `PreparedEvent::run_for` right after a successful
/// preparation for a contract whose programs cannot write the context (a run of such a
/// program leaves the copy as it is: the verifier refuses its stores to the context, and the
/// helpers see the context read-only); it is cleared before anything else writes the
/// buffer (a preparation for another contract, a run on the scratch by another path).
#[derive(Debug)]
pub struct PreparedEvent<'s, 'e> {
    scratch: &'s mut Scratch,
    type_id: u32,
    fixed: &'e [u8],
    data: &'e [u8],
    ready: Option<u64>,
}

/// What a run on a [`PreparedEvent`] gets: the checked context copy (`r1` points to it),
/// the data area its `data` and `data_end` fields bound, and the rest of the scratch.
pub(crate) struct PreparedRun<'a> {
    pub(crate) context: &'a mut [u8],
    pub(crate) data: &'a [u8],
    pub(crate) stack: &'a mut AlignedBuf,
    pub(crate) memory: &'a mut MemoryBuffers,
}

impl Scratch {
    /// Lends `event` to the rules of its type, which then run in this scratch (see
    /// [`PreparedEvent`]). Checks nothing yet: each rule's run checks the event against its
    /// contract unless the previous rule checked it against the same one.
    pub fn prepare<'s, 'e>(
        &'s mut self,
        event: &'e crate::event::EventBuf,
    ) -> PreparedEvent<'s, 'e> {
        // The copy is about to be overwritten by other means than `prepare_context`.
        self.context.key = None;
        PreparedEvent {
            scratch: self,
            type_id: event.type_id(),
            fixed: event.fixed(),
            data: event.data(),
            ready: None,
        }
    }
}

impl<'e> PreparedEvent<'_, 'e> {
    /// The event's type id.
    pub fn type_id(&self) -> u32 {
        self.type_id
    }

    /// The context copy for a run under `contract`, prepared now unless it already is (see
    /// the invariant on [`PreparedEvent`]); `BadInput` when the event breaks the contract.
    #[inline]
    pub(crate) fn run_for(
        &mut self,
        contract: &ContextContract,
    ) -> Result<PreparedRun<'_>, RunError> {
        if self.ready != Some(contract.id) {
            self.prepare_for(contract)?;
        }
        // The invariant: these bytes are the checked copy, unchanged since.
        let Scratch {
            stack,
            context,
            memory,
        } = &mut *self.scratch;
        Ok(PreparedRun {
            context: context.buf.uninit(contract.size),
            data: self.data,
            stack,
            memory,
        })
    }

    /// Checks the event against `contract` and copies its context into the scratch; makes
    /// the copy `ready` unless programs of `contract` may write it. The first rule's path.
    #[cold]
    #[inline(never)]
    fn prepare_for(&mut self, contract: &ContextContract) -> Result<(), RunError> {
        self.ready = None;
        let context = &mut self.scratch.context;
        // `ContextBuf`'s invariant: `key` describes the buffer only while nothing but
        // `prepare_context` wrote it.
        context.key = None;
        contract.prepare_uncached(self.fixed, self.data, &mut context.buf)?;
        if !contract.writable {
            self.ready = Some(contract.id);
        }
        Ok(())
    }

    /// The event's bytes and the whole scratch, for a run that prepares its context itself
    /// (`run_context`): the copy is no longer known to be ready.
    pub(crate) fn unprepared(&mut self) -> (&'e [u8], &'e [u8], &mut Scratch) {
        self.ready = None;
        (self.fixed, self.data, self.scratch)
    }
}

/// The context copy of a run and what it was last prepared from, so that the rules of one
/// event type evaluated one after another on one event (an engine's inner loop) reuse it
/// without checking and copying the event again.
///
/// Invariant: when `key` is `Some((contract, data address, data length))`, the first `size`
/// bytes of `buf` (`size` of that contract) are exactly what
/// [`ContextContract::prepare_context`] produced from some fixed part and that data area,
/// and passed its checks; that fixed part is then `buf` itself, but for the `data` and
/// `data_end` fields, which the data area determines. Only `prepare_context` writes `buf`,
/// and it clears `key` first; a contract whose context programs may write never sets it
/// (its copy may change during a run), so a copy that a run could have modified is never
/// reused.
#[derive(Debug, Default)]
pub(crate) struct ContextBuf {
    buf: AlignedBuf,
    key: Option<(u64, u64, usize)>,
}

/// Bytes whose start is 16-aligned, in a vector that only grows.
#[derive(Debug, Default)]
pub(crate) struct AlignedBuf {
    bytes: Vec<u8>,
}

/// The alignment of [`AlignedBuf`] slices.
const ALIGN: usize = 16;

impl AlignedBuf {
    /// `len` zeroed bytes starting at a multiple of 16.
    pub(crate) fn zeroed(&mut self, len: usize) -> &mut [u8] {
        let slice = self.uninit(len);
        slice.fill(0);
        slice
    }

    /// `len` bytes starting at a multiple of 16, the last `top` of them zeroed, the others
    /// holding whatever the last run left (a stack whose program is known to read below
    /// `top` only bytes it wrote first: see `jit::stack_to_zero`).
    pub(crate) fn zeroed_top(&mut self, len: usize, top: usize) -> &mut [u8] {
        /// Zeroing this many bytes is a few vector stores when the length is a constant,
        /// and a call of `memset` when it is not: a top this small is zeroed whole.
        const SMALL: usize = 64;
        let slice = self.uninit(len);
        if top <= SMALL && len >= SMALL {
            // More bytes than `top` may be zeroed: they are the stack's own.
            slice[len - SMALL..].fill(0);
        } else {
            let from = len.saturating_sub(top);
            slice[from..].fill(0);
        }
        slice
    }

    /// `len` bytes starting at a multiple of 16, holding whatever the last run left.
    fn uninit(&mut self, len: usize) -> &mut [u8] {
        let need = len + ALIGN - 1;
        if self.bytes.len() < need {
            self.bytes.resize(need, 0);
        }
        let start = (self.bytes.as_ptr() as usize).wrapping_neg() % ALIGN;
        &mut self.bytes[start..start + len]
    }
}

/// What a program's input must be for the verifier's proof to hold, derived from the
/// [`ProgramType`] it was verified against. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryContract {
    /// `r1` points to exactly `len` readable and writable bytes, `r2 = len`.
    Mem { len: u64 },
    /// `r1` points to a context struct.
    Context(ContextContract),
}

/// The entry contract of a context program type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextContract {
    /// The same for contracts that check the same things (one per event type, whatever the
    /// rule), different otherwise: the identity [`ContextBuf`] remembers. See
    /// [`ContextContract::intern`].
    id: u64,
    /// The program type's name, for errors.
    name: String,
    /// The context's size in bytes.
    size: usize,
    /// The offsets of the `data` and `data_end` fields, if the context has a data area.
    data: Option<(usize, usize)>,
    max_data_len: u64,
    /// Every bounded field: offset, size, largest value, name.
    bounded: Vec<BoundedField>,
    /// The largest value of each 4-byte word of the context: the bound of the 4-byte bounded
    /// field at that word (all of them, in event types), `u32::MAX` elsewhere. The hot loop
    /// of every run compares every word with its entry, with no branch and no bounds check
    /// per field.
    word_max: Vec<u32>,
    /// Whether some bounded field is not a 4-byte word (checked with the slower general
    /// loop over `bounded`).
    bounded_other: bool,
    /// Whether the program may write some field (then the context copy is writable).
    writable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct BoundedField {
    offset: usize,
    size: usize,
    max: u64,
    name: String,
}

impl EntryContract {
    /// The contract of inputs of `prog_type`.
    pub fn of(prog_type: &ProgramType) -> EntryContract {
        let layout = match &prog_type.context {
            Context::Mem { len } => return EntryContract::Mem { len: *len },
            Context::Struct(layout) => layout,
        };
        let field_at = |kind: FieldKind| {
            layout
                .fields
                .iter()
                .find(|field| field.kind == kind)
                .map(|field| field.offset as usize)
        };
        let data = field_at(FieldKind::Data).zip(field_at(FieldKind::DataEnd));
        let bounded: Vec<BoundedField> = layout
            .fields
            .iter()
            .filter_map(|field| match field.kind {
                FieldKind::Bounded { max } => Some(BoundedField {
                    offset: field.offset as usize,
                    size: field.size as usize,
                    max,
                    name: field.name.clone(),
                }),
                _ => None,
            })
            .collect();
        let mut contract = ContextContract {
            id: 0,
            name: prog_type.name.clone(),
            size: layout.size as usize,
            data,
            max_data_len: layout.max_data_len as u64,
            word_max: word_max(layout.size as usize, &bounded),
            bounded_other: bounded
                .iter()
                .any(|field| !is_word(field, layout.size as usize)),
            bounded,
            writable: layout
                .fields
                .iter()
                .any(|field| field.access == Access::ReadWrite),
        };
        contract.id = contract.intern();
        EntryContract::Context(contract)
    }

    /// Checks that a `mem` buffer of `len` bytes is what the program was verified for.
    pub fn check_mem(&self, len: usize) -> Result<(), RunError> {
        match self {
            EntryContract::Mem { len: verified } if *verified == len as u64 => Ok(()),
            EntryContract::Mem { len: verified } => Err(bad_input(format!(
                "the program was verified for a {verified}-byte buffer, not {len} bytes"
            ))),
            EntryContract::Context(contract) => Err(bad_input(format!(
                "the program was verified as a `{}` program, which takes a context, not a \
                 `mem` buffer",
                contract.name
            ))),
        }
    }

    /// The context contract, or the error for running a `mem` program on a context.
    pub fn context(&self) -> Result<&ContextContract, RunError> {
        match self {
            EntryContract::Context(contract) => Ok(contract),
            EntryContract::Mem { len } => Err(bad_input(format!(
                "the program was verified as a `mem` program (a {len}-byte buffer), not for a \
                 context"
            ))),
        }
    }
}

/// Whether a bounded field is one aligned 4-byte word of a context of `size` bytes, whose
/// bound the word table ([`ContextContract::word_max`]) then holds.
fn is_word(field: &BoundedField, size: usize) -> bool {
    field.size == 4 && field.offset.is_multiple_of(4) && field.offset < size / 4 * 4
}

/// [`ContextContract::word_max`] for a context of `size` bytes.
fn word_max(size: usize, bounded: &[BoundedField]) -> Vec<u32> {
    let mut table = vec![u32::MAX; size / 4];
    for field in bounded.iter().filter(|field| is_word(field, size)) {
        table[field.offset / 4] = u32::try_from(field.max).unwrap_or(u32::MAX);
    }
    table
}

/// What a [`ContextContract`] checks and produces: everything but the name.
type ContractShape = (
    usize,
    Option<(usize, usize)>,
    u64,
    Vec<(usize, usize, u64)>,
    bool,
);

impl ContextContract {
    /// The id of contracts of this shape: equal shapes get equal ids (a registry of the
    /// shapes seen, a handful: one per event type), so a copy prepared for one rule is
    /// reused for the next rule of the same event type and never for another type.
    fn intern(&self) -> u64 {
        static SHAPES: Mutex<Vec<ContractShape>> = Mutex::new(Vec::new());
        let shape: ContractShape = (
            self.size,
            self.data,
            self.max_data_len,
            self.bounded
                .iter()
                .map(|field| (field.offset, field.size, field.max))
                .collect(),
            self.writable,
        );
        let mut shapes = SHAPES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let idx = match shapes.iter().position(|known| *known == shape) {
            Some(idx) => idx,
            None => {
                shapes.push(shape);
                shapes.len() - 1
            }
        };
        idx as u64 + 1
    }

    /// The context's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The offsets of the `data` and `data_end` fields, if the context has a data area.
    pub(crate) fn data_fields(&self) -> Option<(usize, usize)> {
        self.data
    }

    /// The largest data area.
    pub fn max_data_len(&self) -> u64 {
        self.max_data_len
    }

    /// Whether the program may write a field of the context (its copy, never the caller's).
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Copies the context `fixed` into `scratch`, points its `data` and `data_end` fields at
    /// `data`, and checks everything the verifier assumed: `fixed` is exactly the context's
    /// size, `data` is at most `max_data_len` bytes, every bounded field is within its bound.
    /// Returns the copy, which the run's `r1` must point to. When `scratch` already holds
    /// the copy this contract made of the same bytes and data area (the previous rule of
    /// the same type on the same event), it is returned as it is (see [`ContextBuf`]).
    pub(crate) fn prepare_context<'s>(
        &self,
        fixed: &[u8],
        data: &[u8],
        scratch: &'s mut ContextBuf,
    ) -> Result<&'s mut [u8], RunError> {
        let key = (self.id, data.as_ptr() as u64, data.len());
        if scratch.key == Some(key) {
            // `uninit` returns the same bytes as when they were prepared, unchanged since.
            let prepared = scratch.buf.uninit(self.size);
            if self.prepared_from(prepared, fixed) {
                return Ok(scratch.buf.uninit(self.size));
            }
        }
        scratch.key = None;
        let context = self.prepare_uncached(fixed, data, &mut scratch.buf)?;
        if !self.writable {
            scratch.key = Some(key);
        }
        Ok(context)
    }

    /// Whether preparing `fixed` gives `prepared` (a copy this contract prepared, with the
    /// same data area): the same bytes but for `data` and `data_end`, which the preparation
    /// writes itself.
    fn prepared_from(&self, prepared: &[u8], fixed: &[u8]) -> bool {
        if fixed.len() != prepared.len() {
            return false;
        }
        // The bytes the preparation wrote itself: each field that it could write (`put_u64`
        // writes nothing past the end, so such a field's bytes are the caller's, compared).
        let written = |at: usize| at + 8 <= fixed.len();
        let (data_at, data_end_at) = match self.data {
            Some((data_at, data_end_at)) if written(data_at) && written(data_end_at) => {
                (data_at, data_end_at)
            }
            _ => return prepared == fixed,
        };
        let (first, second) = (data_at.min(data_end_at), data_at.max(data_end_at));
        let spans = [
            0..first,
            (first + 8).min(second)..second,
            second + 8..fixed.len(),
        ];
        spans
            .into_iter()
            .all(|span| prepared.get(span.clone()) == fixed.get(span))
    }

    /// [`ContextContract::prepare_context`] without the reuse.
    fn prepare_uncached<'s>(
        &self,
        fixed: &[u8],
        data: &[u8],
        scratch: &'s mut AlignedBuf,
    ) -> Result<&'s mut [u8], RunError> {
        if fixed.len() != self.size {
            return Err(bad_input(format!(
                "a `{}` context is {} bytes, not {} (is the event of another type?)",
                self.name,
                self.size,
                fixed.len()
            )));
        }
        // The bounds are checked on the caller's bytes before the copy (reading the copy
        // right after writing it would stall on store forwarding).
        // One pass without early exit (the common case: every field is fine), then the
        // first offender for the error.
        let over_word =
            fixed
                .chunks_exact(4)
                .zip(&self.word_max)
                .fold(false, |over, (word, &max)| {
                    let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                    over | (value > max)
                });
        let over = over_word
            || (self.bounded_other
                && self
                    .bounded
                    .iter()
                    .any(|field| get_uint(fixed, field.offset, field.size) > field.max));
        if over {
            for field in &self.bounded {
                let value = get_uint(fixed, field.offset, field.size);
                if value > field.max {
                    return Err(bad_input(format!(
                        "field `{}` holds {value}, above its bound {} (the encoder never \
                         writes such a value; was the event built by hand?)",
                        field.name, field.max
                    )));
                }
            }
        }
        let context = scratch.uninit(self.size);
        context.copy_from_slice(fixed);
        if let Some((data_at, data_end_at)) = self.data {
            if data.len() as u64 > self.max_data_len {
                return Err(bad_input(format!(
                    "the data area is {} bytes, above the {} bytes a `{}` event may have",
                    data.len(),
                    self.max_data_len,
                    self.name
                )));
            }
            let start = data.as_ptr() as u64;
            let end = start + data.len() as u64;
            put_u64(context, data_at, start);
            put_u64(context, data_end_at, end);
        }
        Ok(context)
    }
}

/// The `BadInput` error (nothing ran, so no instruction is to blame: index 0).
fn bad_input(reason: String) -> RunError {
    RunError {
        insn_idx: 0,
        kind: RunErrorKind::BadInput { reason },
    }
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    if let Some(slot) = bytes.get_mut(at..at + 8) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// The little-endian unsigned value of `size` bytes (1, 2, 4 or 8) at `at`; `u64::MAX` (above
/// every bound) for another size or past the end, which a well-formed program type never
/// declares. Fixed-size reads: no call to `memcpy` per field.
#[inline]
fn get_uint(bytes: &[u8], at: usize, size: usize) -> u64 {
    fn read<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
        bytes.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    let value = match size {
        1 => read::<1>(bytes, at).map(|b| b[0] as u64),
        2 => read::<2>(bytes, at).map(|b| u16::from_le_bytes(b) as u64),
        4 => read::<4>(bytes, at).map(|b| u32::from_le_bytes(b) as u64),
        8 => read::<8>(bytes, at).map(u64::from_le_bytes),
        _ => None,
    };
    value.unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringfence_verifier::{ContextLayout, Field, ReturnRange};

    /// A context of 16 bytes with bounded fields in and out of the word table: a 4-byte
    /// word at 4 (bound 10), a 2-byte field at 8 (bound 300), a 4-byte field at 10, not
    /// word-aligned (bound 7), and a last word at 12 (bound 0).
    fn contract() -> ContextContract {
        let field = |name: &str, offset, size, max| Field {
            name: name.to_string(),
            offset,
            size,
            access: Access::Read,
            kind: FieldKind::Bounded { max },
        };
        let layout = ContextLayout {
            size: 16,
            fields: vec![
                field("word", 4, 4, 10),
                field("half", 8, 2, 300),
                field("unaligned", 10, 4, 7),
                field("last", 12, 4, 0),
            ],
            max_data_len: 0,
        };
        let prog_type = ProgramType::with_context("t", layout, ReturnRange::ANY);
        match EntryContract::of(&prog_type) {
            EntryContract::Context(contract) => contract,
            EntryContract::Mem { .. } => unreachable!("a struct context"),
        }
    }

    #[test]
    fn every_bounded_field_is_checked_in_the_word_table_or_the_general_loop() {
        let contract = contract();
        assert_eq!(contract.word_max, [u32::MAX, 10, u32::MAX, 0]);
        assert!(
            contract.bounded_other,
            "the 2-byte and the unaligned fields"
        );
        let mut scratch = AlignedBuf::default();
        let fine = [0u8; 16];
        assert!(contract.prepare_uncached(&fine, &[], &mut scratch).is_ok());
        // One field at a time just above its bound: (offset, bytes, field name).
        let over: [(usize, &[u8], &str); 4] = [
            (4, &11u32.to_le_bytes(), "word"),
            (8, &301u16.to_le_bytes(), "half"),
            // The unaligned field's bytes 10..14 overlap `last`: 8 in its low byte only.
            (10, &[8, 0], "unaligned"),
            (12, &[0, 0, 0, 1], "last"),
        ];
        for (at, bytes, name) in over {
            let mut fixed = fine;
            fixed[at..at + bytes.len()].copy_from_slice(bytes);
            let error = contract
                .prepare_uncached(&fixed, &[], &mut scratch)
                .unwrap_err();
            assert!(
                error.to_string().contains(&format!("field `{name}`")),
                "{name}: {error}"
            );
        }
    }

    /// A prepared copy is reused for a fixed part that differs from it only in `data` and
    /// `data_end` (which the preparation overwrites), never for one that differs anywhere
    /// else, however close to those fields.
    #[test]
    fn a_prepared_copy_is_reused_only_for_the_bytes_it_was_prepared_from() {
        let layout = ContextLayout::new(40)
            .field("pid", 0, 4, Access::Read)
            .data_area(8, 16, 64)
            .field("uid", 24, 4, Access::Read);
        let prog_type = ProgramType::with_context("t", layout, ReturnRange::ANY);
        let EntryContract::Context(contract) = EntryContract::of(&prog_type) else {
            unreachable!("a struct context")
        };
        let data = [7u8; 10];
        let fixed: Vec<u8> = (1..=40).collect();
        let mut scratch = ContextBuf::default();
        let prepared = contract
            .prepare_context(&fixed, &data, &mut scratch)
            .unwrap()
            .to_vec();
        assert_ne!(prepared, fixed, "data and data_end written");
        for at in 0..fixed.len() {
            let mut changed = fixed.clone();
            changed[at] ^= 0x80;
            let reused = contract.prepared_from(&prepared, &changed);
            assert_eq!(reused, (8..24).contains(&at), "byte {at}");
        }
        assert!(contract.prepared_from(&prepared, &fixed));
        assert!(!contract.prepared_from(&prepared, &fixed[..39]));
    }
}
