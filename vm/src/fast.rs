//! The fast interpreter: runs only programs the verifier accepted, with no per-access bounds
//! check and no instruction budget, with the same results as the checked interpreter
//! ([`crate::checked`], the oracle).
//!
//! # How it is fast
//!
//! [`FastInterpreter::new`] translates the program once, in safe code, into a compact form:
//! 16 bytes per instruction (an opcode of this module's own flat enum, the two register
//! numbers, a 32-bit argument and a 64-bit immediate), `lddw` tails removed and jump targets
//! made absolute indices into that form, immediates sign-extended, helper numbers resolved,
//! and instructions with a constant operand specialised (`sub` by a constant becomes `add`,
//! shifts by a constant are masked, division and modulo by a constant zero become the moves
//! RFC 9669 defines, `le64` disappears). The code is padded to a power of two with faults,
//! so `code[pc & mask]` needs no bounds check, and the registers live in a `[u64; 16]`
//! indexed with `& 15`: dispatch and register access are safe code without checks.
//!
//! Three families of superinstructions cut dispatches where clang's output and loops spend
//! them: `add dst, K` then a 64-bit conditional jump on `dst` (a loop latch), an unsigned
//! load then `jeq`/`jne` against a constant on the loaded register, and `mov dst, src` then
//! an ALU operation on `dst` (`r4 = r1; r4 += r3`). A superinstruction replaces only the
//! opcode of the first entry and reads the operands of the second, which stays in place, so a
//! jump to the second still finds it intact. The loop holds four copies of the dispatch
//! `match`, each with its own indirect jump, which helps branch prediction.
//!
//! # Memory
//!
//! Registers hold real host addresses, as in the checked interpreter. Each run gets a zeroed
//! stack of 512-byte frames (as many as the call graph can use: main plus the deepest chain
//! of local calls, at most 8); `r10` is one past the current frame, and a local call moves
//! it 512 bytes down after checking, once per call, that a frame is left. Loads, stores and
//! atomics go straight to the address in the register plus the offset, through `load`,
//! `store` and the atomic functions: these hold all of this module's memory accesses.
//!
//! Addresses live in registers as integers, so accesses use exposed provenance
//! ([`ptr::with_exposed_provenance`]). Which pointers are exposed follows the aliasing rules
//! (Stacked Borrows: a use of a `&mut` invalidates the pointers derived from it earlier):
//! - when the loop starts, pointers derived from the stack's and the buffer's `&mut`
//!   borrows, as the run holds them then, for a [`FastInterpreter::run_mem`] run;
//! - helpers receive the checked view, a [`Memory`] holding those borrows, built at the
//!   first helper call (before the loop for [`FastInterpreter::run`], whose regions are
//!   already `MemoryRegion`s) and kept for the run. After a helper call, before the next
//!   memory access (a flag every access checks), every region's pointer is derived afresh
//!   from the `Memory` (`write_slice` for writable regions, `read` for the others) and
//!   exposed again; the interpreter accesses memory only through those.
//!
//! `miri_every_kind_of_access_around_helper_calls` in `vm/tests/fast.rs` checks this under
//! Miri, with Stacked Borrows and with Tree Borrows (and fails without the re-exposure).
//!
//! # Maps and shared memory
//!
//! [`FastInterpreter::with_maps`] resolves `lddw` map references as the checked interpreter
//! does (a map's handle is its index; `map_value(N, off)` is the address of byte `off` of
//! map `N`'s first value) and keeps the maps alive for the interpreter's life, after checking
//! that they are the maps the program was verified against. Map values are memory other
//! threads read and write at the same time (`MemoryRegion::shared`, atomic words, see
//! [`crate::maps`]): a plain access there would be a data race. So a run with shared regions
//! (the interpreter's maps, or a shared region the caller passes) executes a second copy of
//! the loop in which every load, store and atomic first asks whether its address lies in the
//! *shared hull*, the smallest address range covering every shared region (one subtraction
//! and one comparison; when a region that is not shared lies inside the hull, a precise
//! check follows). Outside it, the access is plain, as in a run without shared memory.
//! Inside it:
//! - an aligned load or store is a relaxed atomic access of its size (a plain `mov` on
//!   x86-64 and aarch64), and an aligned atomic instruction a hardware atomic;
//! - an unaligned one goes through the run's [`Memory`], exactly as in the checked
//!   interpreter (word-wise atomic copies; an atomic that straddles two 8-byte words is
//!   refused there, and so here: hardware has no such atomic). Verified programs have no
//!   unaligned atomics (the verifier requires them aligned): that path is a safety net.
//!
//! The program's 1-, 2- and 4-byte atomic accesses to words the host accesses 8 bytes at a
//! time are the mixed-size accesses [`crate::maps`] discusses and accepts (point 4). Regions
//! that are not shared are only ever reached plainly: an atomic reference to memory borrowed
//! through `&[u8]` would claim write permission it does not have.
//!
//! Architecture Invariant: every memory access this interpreter makes on behalf of a program
//! was proven in bounds by the verifier, for the program type the program was verified
//! against. A [`FastInterpreter`] can only be built from a [`VerifiedProgram`];
//! [`FastInterpreter::run_mem`] checks that the program was verified for a `mem` buffer of
//! exactly the length it is given; [`FastInterpreter::run`], whose arguments no check can
//! relate to a program type, is an `unsafe fn`; [`FastInterpreter::run_context`] establishes
//! a context program type's entry contract ([`crate::backend::EntryContract`]) before it
//! runs. Each `unsafe` block states which verified
//! fact makes it sound. Nothing else in this module is unsafe: translation, dispatch,
//! registers, jump targets and helper calls are safe code.

use std::borrow::Cow;
use std::ptr;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};

use ringfence_isa::{
    AluOp, AtomicOp, ByteOrder, CallKind, Cond, Insn, Semantics, Size, Source, Width, FRAME_POINTER,
};
use ringfence_verifier::{Access as FieldAccess, Context, VerifiedProgram};

use crate::backend::{EntryContract, Scratch};

use crate::checked::{bad_instruction, resolve_map_reference};
use crate::error::{RunError, RunErrorKind};
use crate::helpers::{Helper, HelperError, Helpers, RunState};
use crate::maps::{MapType, MapValueReturns, Maps};
use crate::memory::{Memory, MemoryFault, MemoryRegion, Region, RegionKind};

/// The size of one stack frame in bytes, as in the checked interpreter's default.
pub const STACK_PER_FRAME: usize = 512;

/// The most stack frames live at once (the main function's included), as in the checked
/// interpreter's default.
pub const MAX_FRAMES: usize = 8;

/// A verified program prepared for the fast interpreter. Immutable once built and
/// `Send + Sync`: one interpreter can run on many threads at once, each run with its own
/// stack.
#[derive(Clone, Debug)]
pub struct FastInterpreter {
    /// The translated program, then the faults for falling off the end and for bad jump
    /// targets, padded to a power of two.
    code: Vec<Code>,
    /// The number of translated instructions (before the faults appended to `code`).
    n_code: usize,
    /// For each entry of `code`, the slot of the instruction it came from (for errors).
    slot_of: Vec<u32>,
    /// Helpers called by number (`call imm`), resolved at translation.
    called: Vec<(u32, Helper)>,
    /// Faults known at translation, raised when their instruction is reached.
    faults: Vec<RunError>,
    /// Every registered helper, for `callx`.
    helpers: Helpers,
    /// The maps `lddw` refers to: kept alive as long as the code holds their addresses.
    maps: Maps,
    /// The check of the results of helpers returning a map value (`map_lookup_elem`).
    map_value_returns: MapValueReturns,
    /// Stack frames a run allocates: 1 + the deepest chain of local calls, at most 8.
    n_frames: usize,
    /// The program type's context.
    context: Context,
    /// What its inputs must be (see [`crate::backend`]).
    contract: EntryContract,
    prog_type_name: String,
}

/// Why [`FastInterpreter::run_mem`] failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FastRunError {
    /// The program was verified for a program type other than `mem`.
    #[error("the program was verified as a `{prog_type}` program, not a `mem` program")]
    NotMem { prog_type: String },
    /// The buffer's length is not the one the program was verified for.
    #[error("the program was verified for a {verified_len}-byte buffer, not {given_len} bytes")]
    WrongMemLen { verified_len: u64, given_len: u64 },
    /// The run itself failed (a helper failed, an unsupported instruction was reached).
    #[error(transparent)]
    Run(#[from] RunError),
}

pub use crate::maps::{check_maps, MapsMismatch};

impl FastInterpreter {
    /// Prepares `program` to run with `helpers`. A helper number the program calls but
    /// `helpers` lacks faults with `UnknownHelper` when the call is reached, and a map
    /// reference faults as it does in the checked interpreter built without maps.
    pub fn new(program: &VerifiedProgram, helpers: &Helpers) -> FastInterpreter {
        FastInterpreter::build(program, helpers, Maps::default())
    }

    /// Prepares `program` to run with `helpers` and `maps`, which must be the maps it was
    /// verified against ([`check_maps`]). `lddw` map references resolve as in the checked
    /// interpreter's `with_maps`: `map_fd(N)` loads `N`, the handle the map helpers take, and
    /// `map_value(N, off)` the address of byte `off` of map `N`'s first value. Every run sees
    /// the maps' values as shared regions (accessed atomically, see the module doc), whether
    /// or not the caller passes them; the helpers should be bound to the same maps (as
    /// `rule::rule_helpers` is).
    pub fn with_maps(
        program: &VerifiedProgram,
        helpers: &Helpers,
        maps: &Maps,
    ) -> Result<FastInterpreter, MapsMismatch> {
        check_maps(program, maps)?;
        Ok(FastInterpreter::build(program, helpers, maps.clone()))
    }

    fn build(program: &VerifiedProgram, helpers: &Helpers, maps: Maps) -> FastInterpreter {
        let mut interp = translate(program.insns(), helpers, &maps);
        interp.maps = maps;
        interp.context = program.prog_type().context.clone();
        interp.contract = EntryContract::of(program.prog_type());
        interp.map_value_returns = MapValueReturns::new(program.prog_type(), &interp.maps);
        interp.prog_type_name = program.prog_type().name.clone();
        interp
    }

    /// Whether `value`, returned by helper `id` called with `args`, is what its signature
    /// promises ([`MapValueReturns`], the check the JIT makes too); the reason if not.
    fn check_return(&self, id: u64, value: u64, args: &[u64; 5]) -> Result<(), String> {
        self.map_value_returns.check(id, value, args)
    }

    /// The number of instructions after translation (an `lddw` counts once).
    pub fn n_insns(&self) -> usize {
        self.n_code
    }

    /// The number of 512-byte stack frames each run allocates.
    pub fn n_frames(&self) -> usize {
        self.n_frames
    }

    /// The maps the program refers to (empty for [`FastInterpreter::new`]).
    pub fn maps(&self) -> &Maps {
        &self.maps
    }

    /// Runs a `mem` program: `r1` points to `mem`, which the program may read and write, and
    /// `r2` holds its length. Returns `r0`. The program must have been verified for
    /// `ProgramType::mem(mem.len())`: any other length is refused before the run, since the
    /// accesses were proven in bounds only for that length. The interpreter's maps are
    /// shared regions of the run.
    pub fn run_mem(&self, mem: &mut [u8]) -> Result<u64, FastRunError> {
        let Context::Mem { len: verified_len } = self.context else {
            return Err(FastRunError::NotMem {
                prog_type: self.prog_type_name.clone(),
            });
        };
        let given_len = mem.len() as u64;
        if given_len != verified_len {
            return Err(FastRunError::WrongMemLen {
                verified_len,
                given_len,
            });
        }
        let base = mem.as_ptr() as u64;
        let args = [base, given_len, 0, 0, 0];
        if !self.maps.is_empty() {
            let regions = vec![MemoryRegion::read_write(RegionKind::Input, mem)];
            // SAFETY: `r1` is the base of a writable region of exactly the verified length
            // and `r2` that length, the `mem` program type's whole entry contract; the map
            // values are the interpreter's own maps, checked against the verified ones.
            return Ok(unsafe { self.run_regions(args, regions, None) }?);
        }
        let input = Region {
            kind: RegionKind::Input,
            base,
            len: given_len,
            writable: true,
        };
        let mut inline_frame = InlineFrame([0; STACK_PER_FRAME]);
        let mut heap_frames;
        let stack: &mut [u8] = if self.n_frames <= 1 {
            &mut inline_frame.0
        } else {
            heap_frames = vec![0u8; self.n_frames * STACK_PER_FRAME];
            &mut heap_frames
        };
        let stack_base = stack.as_ptr() as u64;
        let mut run = Run {
            interp: self,
            stack_top: stack_base + stack.len() as u64,
            stack_base,
            // `r1` points to the buffer, which the verified program type's contract says it
            // may read and write: exactly `verified_len` bytes, as just checked.
            memory: HelperMemory::Pending {
                stack,
                input: mem,
                state: None,
            },
            regions: Regions::Input(input),
            stale: true,
            hull: SharedHull::NONE,
            fault: None,
        };
        Ok(run.start(args)?)
    }

    /// Runs a program of a context program type (an event type) on the context `fixed` and
    /// the data area `data`, with `scratch` (one per thread) and `state` for the helpers
    /// (alerts, trace output). Returns `r0`. The same entry as the JIT's
    /// `JitProgram::run_context`, with the same guarantee: `fixed` is copied into the
    /// scratch and `r1` points to the copy, whose `data` and `data_end` fields are set to the
    /// bounds of `data`; a `fixed` of another size than the context, a `data` longer than
    /// the program type's maximum or a bounded field above its bound is a
    /// [`RunErrorKind::BadInput`] error, and nothing runs. The data area is read-only, and
    /// so is the context unless the layout lets the program write a field. Helpers see the
    /// context, the data area and the interpreter's maps. The stack, the context copy and
    /// the helpers' `Memory` live in `scratch`: once it has grown, a run allocates nothing.
    pub fn run_context(
        &self,
        fixed: &[u8],
        data: &[u8],
        scratch: &mut Scratch,
        state: Option<&mut RunState>,
    ) -> Result<u64, RunError> {
        let contract = self.contract.context()?;
        let Scratch {
            stack,
            context,
            memory: buffers,
        } = scratch;
        let context = contract.prepare_context(fixed, data, context)?;
        let args = [context.as_ptr() as u64, 0, 0, 0, 0];
        let writable = match &self.context {
            Context::Struct(layout) => layout
                .fields
                .iter()
                .any(|field| field.access == FieldAccess::ReadWrite),
            Context::Mem { .. } => false,
        };
        let context = if writable {
            MemoryRegion::read_write(RegionKind::Context, context)
        } else {
            MemoryRegion::read_only(RegionKind::Context, context)
        };
        let data = MemoryRegion::read_only(RegionKind::ReadOnlyData, data);
        let plain = [context.region(), data.region()];
        let stack = stack.zeroed(self.n_frames * STACK_PER_FRAME);
        let stack_base = stack.as_ptr() as u64;
        let stack_top = stack_base + stack.len() as u64;
        let hull = SharedHull::new(
            self.maps
                .iter()
                .map(|map| map.value_region().region(RegionKind::Input)),
            plain.into_iter(),
            stack_base,
            stack_top,
        );
        // The scratch's vectors, so that a warmed-up run allocates nothing.
        let regions = [context, data].into_iter().chain(self.map_regions());
        let mut memory =
            Memory::with_stack_in(std::mem::take(buffers), stack, STACK_PER_FRAME, regions);
        if let Some(state) = state {
            memory.set_run_state(state);
        }
        let mut run = Run {
            interp: self,
            stack_top,
            stack_base,
            memory: HelperMemory::Built(memory),
            regions: Regions::Context(plain),
            stale: true,
            hull,
            fault: None,
        };
        // The accesses of the run are sound: `prepare_context` established the program type's
        // entry contract (`r1` is the base of a region of exactly the context's size,
        // writable if any field is, whose `data`/`data_end` fields delimit the read-only data
        // region, at most `max_data_len` bytes, and whose bounded fields are within their
        // bounds), and the maps are the interpreter's own, checked against the verified ones.
        let result = run.start(args);
        if let HelperMemory::Built(memory) = run.memory {
            *buffers = memory.into_buffers();
        }
        result
    }

    /// Runs the program with `r1`-`r5` set to `args` (other registers 0, `r10` at the top of
    /// a zeroed stack) and `regions` as the memory it may touch besides the stack and the
    /// interpreter's maps, as the checked interpreter's `run` does. Returns `r0`. Helpers
    /// see the stack, `regions` and the maps' values (added as shared regions when `regions`
    /// lacks them).
    ///
    /// # Safety
    ///
    /// `args` and `regions` must satisfy the entry contract of the program type the program
    /// was verified for, since the verifier proved accesses in bounds only under it:
    ///
    /// - every pointer the program type says a register holds at entry (`r1` for `mem` and
    ///   context types) is the base address of a region of `regions` at least as long as the
    ///   program type declares (exactly the `mem` length, the context struct's size), and
    ///   writable if the program type lets the program write any of it;
    /// - every pointer the program can load from memory (a context's `data` and `data_end`
    ///   fields) delimits bytes inside one region of `regions`, at most the declared maximum
    ///   length apart, with `data <= data_end`;
    /// - every scalar the program type promises (the `mem` length in `r2`, a bounded
    ///   context field) has its value.
    ///
    /// Regions may be shared memory (`MemoryRegion::shared`): the interpreter reaches those
    /// only atomically or through [`Memory`] (see the module doc).
    pub unsafe fn run(
        &self,
        args: [u64; 5],
        regions: Vec<MemoryRegion<'_>>,
    ) -> Result<u64, RunError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.run_regions(args, regions, None) }
    }

    /// Like [`FastInterpreter::run`], giving the helpers `state` to share, as the checked
    /// interpreter's `run_with_state` does.
    ///
    /// # Safety
    ///
    /// As for [`FastInterpreter::run`].
    pub unsafe fn run_with_state<'a>(
        &self,
        args: [u64; 5],
        regions: Vec<MemoryRegion<'a>>,
        state: Option<&'a mut RunState>,
    ) -> Result<u64, RunError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.run_regions(args, regions, state) }
    }

    /// The interpreter's maps' values as shared regions, kinds as `Maps::regions` names them.
    /// (The `as u64` casts computing their descriptors expose the slabs' provenance, which
    /// the atomic accesses to them use.)
    fn map_regions(&self) -> impl Iterator<Item = MemoryRegion<'_>> + '_ {
        self.maps.iter().enumerate().map(|(map_idx, map)| {
            let region = map.value_region();
            let kind = match map.def().map_type {
                MapType::GlobalData { read_only: true } => RegionKind::ReadOnlyData,
                _ => RegionKind::MapValue {
                    map_idx: map_idx as u32,
                },
            };
            let words = map.value_words();
            words.as_ptr().expose_provenance();
            MemoryRegion::shared(kind, words, region.len as usize, region.writable)
        })
    }

    /// The run behind [`FastInterpreter::run`], with the interpreter's maps added.
    ///
    /// # Safety
    ///
    /// As for [`FastInterpreter::run`].
    unsafe fn run_regions<'a>(
        &'a self,
        args: [u64; 5],
        mut regions: Vec<MemoryRegion<'a>>,
        state: Option<&'a mut RunState>,
    ) -> Result<u64, RunError> {
        // The maps' values, unless the caller passed them.
        let passed: Vec<u64> = regions.iter().map(|r| r.region().base).collect();
        regions.extend(
            self.map_regions()
                .filter(|region| !passed.contains(&region.region().base)),
        );
        let descriptors: Vec<RunRegion> = regions
            .iter()
            .map(|r| RunRegion {
                region: r.region(),
                shared: r.is_shared(),
            })
            .collect();
        let mut inline_frame = InlineFrame([0; STACK_PER_FRAME]);
        let mut heap_frames;
        let stack: &mut [u8] = if self.n_frames <= 1 {
            &mut inline_frame.0
        } else {
            heap_frames = vec![0u8; self.n_frames * STACK_PER_FRAME];
            &mut heap_frames
        };
        let stack_base = stack.as_ptr() as u64;
        let stack_top = stack_base + stack.len() as u64;
        let hull = SharedHull::of(&descriptors, stack_base, stack_top);
        let mut memory = Memory::with_stack(stack, STACK_PER_FRAME, regions);
        if let Some(state) = state {
            memory.set_run_state(state);
        }
        let mut run = Run {
            interp: self,
            stack_top,
            stack_base,
            memory: HelperMemory::Built(memory),
            regions: Regions::Many(descriptors),
            stale: true,
            hull,
            fault: None,
        };
        run.start(args)
    }
}

/// A region of a run besides the stack, and whether it is shared memory.
#[derive(Clone, Copy, Debug)]
struct RunRegion {
    region: Region,
    shared: bool,
}

/// The smallest address range covering every shared region of a run: accesses starting
/// outside it are plain.
#[derive(Clone, Copy, Debug)]
struct SharedHull {
    lo: u64,
    /// 0 when the run has no shared region.
    len: u64,
    /// Whether every region (and the stack) that meets the hull is shared, so that an access
    /// starting inside it is known to be an access to shared memory.
    exact: bool,
}

impl SharedHull {
    const NONE: SharedHull = SharedHull {
        lo: 0,
        len: 0,
        exact: true,
    };

    fn of(regions: &[RunRegion], stack_base: u64, stack_top: u64) -> SharedHull {
        SharedHull::new(
            regions.iter().filter(|r| r.shared).map(|r| r.region),
            regions.iter().filter(|r| !r.shared).map(|r| r.region),
            stack_base,
            stack_top,
        )
    }

    /// The hull of `shared`, exact unless one of `plain` or the stack meets it.
    fn new(
        shared: impl Iterator<Item = Region>,
        plain: impl Iterator<Item = Region>,
        stack_base: u64,
        stack_top: u64,
    ) -> SharedHull {
        let bounds = shared
            .filter(|r| r.len > 0)
            .map(|r| (r.base, r.end().min(u64::MAX as u128) as u64))
            .reduce(|(lo, hi), (base, end)| (lo.min(base), hi.max(end)));
        let Some((lo, hi)) = bounds else {
            return SharedHull::NONE;
        };
        let meets = |base: u64, end: u128| (base as u128) < hi as u128 && end > lo as u128;
        let mut plain = plain;
        let exact = !meets(stack_base, stack_top as u128)
            && !plain.any(|r| r.len > 0 && meets(r.base, r.end()));
        SharedHull {
            lo,
            len: hi - lo,
            exact,
        }
    }
}

/// A one-frame stack kept on the native stack, for programs without local calls.
#[repr(C, align(16))]
struct InlineFrame([u8; STACK_PER_FRAME]);

/// The memory helpers see, built when first needed.
#[derive(Debug)]
enum HelperMemory<'a> {
    /// A `run_mem` run before its first helper call: the borrows the `Memory` will hold.
    Pending {
        stack: &'a mut [u8],
        input: &'a mut [u8],
        state: Option<&'a mut RunState>,
    },
    Built(Memory<'a>),
    /// Only while `Pending` turns into `Built`.
    Moving,
}

/// The regions of a run besides the stack, whose pointers are exposed again after each
/// helper call.
#[derive(Debug)]
enum Regions {
    /// The buffer of `run_mem`.
    Input(Region),
    /// The context and the data area of `run_context` (not shared); the shared regions are
    /// the interpreter's maps.
    Context([Region; 2]),
    Many(Vec<RunRegion>),
}

/// One run: what the loop needs besides the registers.
struct Run<'r, 'a> {
    interp: &'r FastInterpreter,
    stack_base: u64,
    stack_top: u64,
    memory: HelperMemory<'a>,
    regions: Regions,
    /// Whether a helper ran since the pointers were last exposed.
    stale: bool,
    /// Where the run's shared regions are.
    hull: SharedHull,
    /// Why the last access that returned [`Faulted`] failed.
    fault: Option<RunErrorKind>,
}

/// An access failed; its kind is in [`Run::fault`] (so that the hot path returns a small
/// `Result`).
#[derive(Clone, Copy, Debug)]
struct Faulted;

/// The state of the interpreter loop besides memory.
struct Machine {
    regs: [u64; 16],
    pc: usize,
    /// The index of the current frame (0 in the main function).
    depth: usize,
    frames: [Frame; MAX_FRAMES],
}

/// What a local call saves for its `exit`.
#[derive(Clone, Copy, Debug, Default)]
struct Frame {
    return_pc: usize,
    callee_saved: [u64; 4],
    frame_pointer: u64,
}

impl<'a> Run<'_, 'a> {
    /// Runs from the first instruction with `r1`-`r5 = args`.
    fn start(&mut self, args: [u64; 5]) -> Result<u64, RunError> {
        self.expose();
        let mut regs = [0u64; 16];
        regs[1..6].copy_from_slice(&args);
        regs[FRAME_POINTER as usize] = self.stack_top;
        if self.hull.len == 0 {
            self.execute::<false>(regs)
        } else {
            self.execute::<true>(regs)
        }
    }

    /// The interpreter loop. It holds four copies of [`Run::step`], so that dispatch happens
    /// from four indirect jumps instead of one, which branch predictors tell apart (measured:
    /// up to 1.5x faster than one copy on ALU-heavy loops).
    ///
    /// `SHARED` runs have shared regions, whose accesses are atomic (see the module doc);
    /// other runs compile to the same loop without the test.
    #[inline(never)]
    fn execute<const SHARED: bool>(&mut self, regs: [u64; 16]) -> Result<u64, RunError> {
        // The code's length is a power of two (padded with faults), so that `pc & mask` is
        // always in bounds and indexing needs no check.
        let interp = self.interp;
        let mask = interp.code.len() - 1;
        let code = &interp.code[..=mask];
        // A copy the loop keeps in registers (memory it stores to could alias `self`).
        let hull = self.hull;
        let mut machine = Machine {
            regs,
            pc: 0,
            depth: 0,
            frames: [Frame::default(); MAX_FRAMES],
        };
        loop {
            if let Some(end) = self.step::<SHARED>(&mut machine, code, mask, hull) {
                return end;
            }
            if let Some(end) = self.step::<SHARED>(&mut machine, code, mask, hull) {
                return end;
            }
            if let Some(end) = self.step::<SHARED>(&mut machine, code, mask, hull) {
                return end;
            }
            if let Some(end) = self.step::<SHARED>(&mut machine, code, mask, hull) {
                return end;
            }
        }
    }

    /// Executes one instruction; `Some` when the run ends.
    #[inline(always)]
    fn step<const SHARED: bool>(
        &mut self,
        machine: &mut Machine,
        code: &[Code],
        mask: usize,
        hull: SharedHull,
    ) -> Option<Result<u64, RunError>> {
        let interp = self.interp;
        let Machine {
            regs,
            pc,
            depth,
            frames,
        } = machine;
        let (mut pc, mut depth) = (*pc, *depth);
        {
            let c = code[pc & mask];
            pc += 1;
            let d = (c.dst & 15) as usize;
            let s = (c.src & 15) as usize;
            let imm = c.imm;
            macro_rules! alu64 {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let ($a, $b) = (regs[d], imm);
                    regs[d] = $e;
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let ($a, $b) = (regs[d], regs[s]);
                    regs[d] = $e;
                }};
            }
            macro_rules! alu32 {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let ($a, $b) = (regs[d] as u32, imm as u32);
                    regs[d] = ($e) as u32 as u64;
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let ($a, $b) = (regs[d] as u32, regs[s] as u32);
                    regs[d] = ($e) as u32 as u64;
                }};
            }
            macro_rules! branch {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let ($a, $b) = (regs[d], imm);
                    if $e {
                        pc = c.arg as usize;
                    }
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let ($a, $b) = (regs[d], regs[s]);
                    if $e {
                        pc = c.arg as usize;
                    }
                }};
            }
            // `add dst, imm` then the 64-bit conditional jump in the next entry (a loop
            // latch), without going through dispatch in between.
            // `add dst, imm` then the 64-bit conditional jump on `dst` in the next entry (a
            // loop latch), without going through dispatch or memory in between.
            macro_rules! latch {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let $a = regs[d].wrapping_add(imm);
                    regs[d] = $a;
                    let b = code[pc & mask];
                    pc += 1;
                    let $b = b.imm;
                    if $e {
                        pc = b.arg as usize;
                    }
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let $a = regs[d].wrapping_add(imm);
                    regs[d] = $a;
                    let b = code[pc & mask];
                    pc += 1;
                    let $b = regs[(b.src & 15) as usize];
                    if $e {
                        pc = b.arg as usize;
                    }
                }};
            }
            // `mov dst, src` then an ALU operation on `dst` in the next entry: `dst = src op
            // operand` (the operand register is not `dst`).
            macro_rules! mov_alu {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let b = code[pc & mask];
                    pc += 1;
                    let ($a, $b) = (regs[s], b.imm);
                    regs[d] = $e;
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let b = code[pc & mask];
                    pc += 1;
                    let ($a, $b) = (regs[s], regs[(b.src & 15) as usize]);
                    regs[d] = $e;
                }};
            }
            macro_rules! branch32 {
                (|$a:ident, $b:ident| $e:expr, imm) => {{
                    let ($a, $b) = (regs[d] as u32, imm as u32);
                    if $e {
                        pc = c.arg as usize;
                    }
                }};
                (|$a:ident, $b:ident| $e:expr, reg) => {{
                    let ($a, $b) = (regs[d] as u32, regs[s] as u32);
                    if $e {
                        pc = c.arg as usize;
                    }
                }};
            }
            // The address of a load (from `src`) or of a store or atomic (to `dst`).
            let mem_off = c.arg as i32 as i64 as u64;
            // SAFETY (every `load`, `store` and `atomic` below): the program was verified for
            // the program type whose entry contract this run satisfies (`run`'s caller
            // guarantees it; `run_mem` and `run_context` establish it), and against the maps
            // the interpreter holds (`with_maps` checks them), so the verifier proved that on
            // every path `[addr, addr + size)` lies inside memory the program may touch there:
            // a live frame of this run's stack (allocated for the deepest call chain, and
            // `depth` checked at each local call), a region of the run or a map value, with
            // write permission for stores and atomics. The stack and the regions stay
            // borrowed until the run ends, by the run or by its helpers' `Memory`, and
            // `ensure_exposed` just made sure the exposed pointers to them were derived after
            // the last helper call, so that they are still valid; no other thread can access
            // their bytes meanwhile (`&mut` borrows, or `&` borrows nobody writes), except in
            // shared regions (map values, alive as long as the interpreter's `Maps`), which
            // `load_word`, `store_word` and `atomic_word` reach only atomically.
            macro_rules! load {
                ($t:ty) => {{
                    let addr = regs[s].wrapping_add(mem_off);
                    self.ensure_exposed();
                    // SAFETY: see above.
                    match unsafe { self.load_word::<SHARED, $t>(addr, hull) } {
                        Ok(value) => regs[d] = value as u64,
                        Err(Faulted) => return Some(Err(self.take_fault(pc - 1))),
                    }
                }};
                ($t:ty, $signed:ty) => {{
                    let addr = regs[s].wrapping_add(mem_off);
                    self.ensure_exposed();
                    // SAFETY: see above.
                    match unsafe { self.load_word::<SHARED, $t>(addr, hull) } {
                        Ok(value) => regs[d] = value as $signed as i64 as u64,
                        Err(Faulted) => return Some(Err(self.take_fault(pc - 1))),
                    }
                }};
            }
            // A load, then the conditional jump against a constant on the loaded register in
            // the next entry.
            macro_rules! load_branch {
                ($t:ty, |$a:ident, $b:ident| $e:expr) => {{
                    let addr = regs[s].wrapping_add(mem_off);
                    self.ensure_exposed();
                    // SAFETY: see above.
                    let $a = match unsafe { self.load_word::<SHARED, $t>(addr, hull) } {
                        Ok(value) => value as u64,
                        Err(Faulted) => return Some(Err(self.take_fault(pc - 1))),
                    };
                    regs[d] = $a;
                    let b = code[pc & mask];
                    pc += 1;
                    let $b = b.imm;
                    if $e {
                        pc = b.arg as usize;
                    }
                }};
            }
            macro_rules! store {
                ($t:ty, $value:expr) => {{
                    let addr = regs[d].wrapping_add(mem_off);
                    self.ensure_exposed();
                    let value = $value as $t;
                    // SAFETY: see above.
                    let stored = unsafe { self.store_word::<SHARED, $t>(addr, value, hull) };
                    if let Err(Faulted) = stored {
                        return Some(Err(self.take_fault(pc - 1)));
                    }
                }};
            }
            match c.op {
                Kind::Nop => {}
                Kind::Add64Imm => alu64!(|a, b| a.wrapping_add(b), imm),
                Kind::Add64Reg => alu64!(|a, b| a.wrapping_add(b), reg),
                Kind::Sub64Reg => alu64!(|a, b| a.wrapping_sub(b), reg),
                Kind::Mul64Imm => alu64!(|a, b| a.wrapping_mul(b), imm),
                Kind::Mul64Reg => alu64!(|a, b| a.wrapping_mul(b), reg),
                Kind::Div64Imm => alu64!(|a, b| a.checked_div(b).unwrap_or(0), imm),
                Kind::Div64Reg => alu64!(|a, b| a.checked_div(b).unwrap_or(0), reg),
                Kind::SDiv64Imm => alu64!(|a, b| sdiv64(a, b), imm),
                Kind::SDiv64Reg => alu64!(|a, b| sdiv64(a, b), reg),
                Kind::Or64Imm => alu64!(|a, b| a | b, imm),
                Kind::Or64Reg => alu64!(|a, b| a | b, reg),
                Kind::And64Imm => alu64!(|a, b| a & b, imm),
                Kind::And64Reg => alu64!(|a, b| a & b, reg),
                Kind::Lsh64Imm => alu64!(|a, b| a << (b & 63), imm),
                Kind::Lsh64Reg => alu64!(|a, b| a << (b & 63), reg),
                Kind::Rsh64Imm => alu64!(|a, b| a >> (b & 63), imm),
                Kind::Rsh64Reg => alu64!(|a, b| a >> (b & 63), reg),
                Kind::Arsh64Imm => alu64!(|a, b| ((a as i64) >> (b & 63)) as u64, imm),
                Kind::Arsh64Reg => alu64!(|a, b| ((a as i64) >> (b & 63)) as u64, reg),
                Kind::Mod64Imm => alu64!(|a, b| a.checked_rem(b).unwrap_or(a), imm),
                Kind::Mod64Reg => alu64!(|a, b| a.checked_rem(b).unwrap_or(a), reg),
                Kind::SMod64Imm => alu64!(|a, b| smod64(a, b), imm),
                Kind::SMod64Reg => alu64!(|a, b| smod64(a, b), reg),
                Kind::Xor64Imm => alu64!(|a, b| a ^ b, imm),
                Kind::Xor64Reg => alu64!(|a, b| a ^ b, reg),
                Kind::Mov64Imm => regs[d] = imm,
                Kind::Mov64Reg => regs[d] = regs[s],
                Kind::Mov64RegAdd64Imm => mov_alu!(|a, b| a.wrapping_add(b), imm),
                Kind::Mov64RegMul64Imm => mov_alu!(|a, b| a.wrapping_mul(b), imm),
                Kind::Mov64RegOr64Imm => mov_alu!(|a, b| a | b, imm),
                Kind::Mov64RegAnd64Imm => mov_alu!(|a, b| a & b, imm),
                Kind::Mov64RegXor64Imm => mov_alu!(|a, b| a ^ b, imm),
                Kind::Mov64RegLsh64Imm => mov_alu!(|a, b| a << (b & 63), imm),
                Kind::Mov64RegRsh64Imm => mov_alu!(|a, b| a >> (b & 63), imm),
                Kind::Mov64RegArsh64Imm => mov_alu!(|a, b| ((a as i64) >> (b & 63)) as u64, imm),
                Kind::Mov64RegAdd64Reg => mov_alu!(|a, b| a.wrapping_add(b), reg),
                Kind::Mov64RegSub64Reg => mov_alu!(|a, b| a.wrapping_sub(b), reg),
                Kind::Neg64 => regs[d] = regs[d].wrapping_neg(),
                Kind::MovSx8To64 => regs[d] = regs[s] as i8 as i64 as u64,
                Kind::MovSx16To64 => regs[d] = regs[s] as i16 as i64 as u64,
                Kind::MovSx32To64 => regs[d] = regs[s] as i32 as i64 as u64,

                Kind::Add32Imm => alu32!(|a, b| a.wrapping_add(b), imm),
                Kind::Add32Reg => alu32!(|a, b| a.wrapping_add(b), reg),
                Kind::Sub32Reg => alu32!(|a, b| a.wrapping_sub(b), reg),
                Kind::Mul32Imm => alu32!(|a, b| a.wrapping_mul(b), imm),
                Kind::Mul32Reg => alu32!(|a, b| a.wrapping_mul(b), reg),
                Kind::Div32Imm => alu32!(|a, b| a.checked_div(b).unwrap_or(0), imm),
                Kind::Div32Reg => alu32!(|a, b| a.checked_div(b).unwrap_or(0), reg),
                Kind::SDiv32Imm => alu32!(|a, b| sdiv32(a, b), imm),
                Kind::SDiv32Reg => alu32!(|a, b| sdiv32(a, b), reg),
                Kind::Or32Imm => alu32!(|a, b| a | b, imm),
                Kind::Or32Reg => alu32!(|a, b| a | b, reg),
                Kind::And32Imm => alu32!(|a, b| a & b, imm),
                Kind::And32Reg => alu32!(|a, b| a & b, reg),
                Kind::Lsh32Imm => alu32!(|a, b| a << (b & 31), imm),
                Kind::Lsh32Reg => alu32!(|a, b| a << (b & 31), reg),
                Kind::Rsh32Imm => alu32!(|a, b| a >> (b & 31), imm),
                Kind::Rsh32Reg => alu32!(|a, b| a >> (b & 31), reg),
                Kind::Arsh32Imm => alu32!(|a, b| ((a as i32) >> (b & 31)) as u32, imm),
                Kind::Arsh32Reg => alu32!(|a, b| ((a as i32) >> (b & 31)) as u32, reg),
                Kind::Mod32Imm => alu32!(|a, b| a.checked_rem(b).unwrap_or(a), imm),
                Kind::Mod32Reg => alu32!(|a, b| a.checked_rem(b).unwrap_or(a), reg),
                Kind::SMod32Imm => alu32!(|a, b| smod32(a, b), imm),
                Kind::SMod32Reg => alu32!(|a, b| smod32(a, b), reg),
                Kind::Xor32Imm => alu32!(|a, b| a ^ b, imm),
                Kind::Xor32Reg => alu32!(|a, b| a ^ b, reg),
                Kind::Mov32Reg => regs[d] = regs[s] as u32 as u64,
                Kind::Neg32 => regs[d] = (regs[d] as u32).wrapping_neg() as u64,
                Kind::MovSx8To32 => regs[d] = regs[s] as i8 as i32 as u32 as u64,
                Kind::MovSx16To32 => regs[d] = regs[s] as i16 as i32 as u32 as u64,
                Kind::Swap16 => regs[d] = (regs[d] as u16).swap_bytes() as u64,
                Kind::Swap32 => regs[d] = (regs[d] as u32).swap_bytes() as u64,
                Kind::Swap64 => regs[d] = regs[d].swap_bytes(),

                Kind::LdxB => load!(u8),
                Kind::LdxBJeq64Imm => load_branch!(u8, |a, b| a == b),
                Kind::LdxBJeq32Imm => load_branch!(u8, |a, b| a as u32 == b as u32),
                Kind::LdxBJne64Imm => load_branch!(u8, |a, b| a != b),
                Kind::LdxBJne32Imm => load_branch!(u8, |a, b| a as u32 != b as u32),
                Kind::LdxHJeq64Imm => load_branch!(u16, |a, b| a == b),
                Kind::LdxHJeq32Imm => load_branch!(u16, |a, b| a as u32 == b as u32),
                Kind::LdxHJne64Imm => load_branch!(u16, |a, b| a != b),
                Kind::LdxHJne32Imm => load_branch!(u16, |a, b| a as u32 != b as u32),
                Kind::LdxWJeq64Imm => load_branch!(u32, |a, b| a == b),
                Kind::LdxWJeq32Imm => load_branch!(u32, |a, b| a as u32 == b as u32),
                Kind::LdxWJne64Imm => load_branch!(u32, |a, b| a != b),
                Kind::LdxWJne32Imm => load_branch!(u32, |a, b| a as u32 != b as u32),
                Kind::LdxDwJeq64Imm => load_branch!(u64, |a, b| a == b),
                Kind::LdxDwJeq32Imm => load_branch!(u64, |a, b| a as u32 == b as u32),
                Kind::LdxDwJne64Imm => load_branch!(u64, |a, b| a != b),
                Kind::LdxDwJne32Imm => load_branch!(u64, |a, b| a as u32 != b as u32),
                Kind::LdxH => load!(u16),
                Kind::LdxW => load!(u32),
                Kind::LdxDw => load!(u64),
                Kind::LdxSB => load!(u8, i8),
                Kind::LdxSH => load!(u16, i16),
                Kind::LdxSW => load!(u32, i32),
                Kind::StB => store!(u8, imm),
                Kind::StH => store!(u16, imm),
                Kind::StW => store!(u32, imm),
                Kind::StDw => store!(u64, imm),
                Kind::StxB => store!(u8, regs[s]),
                Kind::StxH => store!(u16, regs[s]),
                Kind::StxW => store!(u32, regs[s]),
                Kind::StxDw => store!(u64, regs[s]),
                Kind::Atomic32 | Kind::Atomic64 => {
                    let addr = regs[d].wrapping_add(mem_off);
                    self.ensure_exposed();
                    let op = ATOMIC_OPS[(imm as usize) % ATOMIC_OPS.len()];
                    let wide = c.op == Kind::Atomic64;
                    let (operand, expected) = (regs[s], regs[0]);
                    // SAFETY: see above (the verifier checks an atomic as a read and a write
                    // of the same bytes).
                    let result = unsafe {
                        self.atomic_word::<SHARED>(addr, wide, op, operand, expected, hull)
                    };
                    let old = match result {
                        Ok(old) => old,
                        Err(Faulted) => return Some(Err(self.take_fault(pc - 1))),
                    };
                    match op {
                        AtomicOp::Add | AtomicOp::Or | AtomicOp::And | AtomicOp::Xor => {}
                        AtomicOp::CmpXchg => regs[0] = old,
                        _ => regs[s] = old,
                    }
                }

                Kind::Ja => pc = c.arg as usize,
                Kind::Add64ImmJeq64Imm => latch!(|a, b| a == b, imm),
                Kind::Add64ImmJeq64Reg => latch!(|a, b| a == b, reg),
                Kind::Add64ImmJne64Imm => latch!(|a, b| a != b, imm),
                Kind::Add64ImmJne64Reg => latch!(|a, b| a != b, reg),
                Kind::Add64ImmJgt64Imm => latch!(|a, b| a > b, imm),
                Kind::Add64ImmJgt64Reg => latch!(|a, b| a > b, reg),
                Kind::Add64ImmJge64Imm => latch!(|a, b| a >= b, imm),
                Kind::Add64ImmJge64Reg => latch!(|a, b| a >= b, reg),
                Kind::Add64ImmJlt64Imm => latch!(|a, b| a < b, imm),
                Kind::Add64ImmJlt64Reg => latch!(|a, b| a < b, reg),
                Kind::Add64ImmJle64Imm => latch!(|a, b| a <= b, imm),
                Kind::Add64ImmJle64Reg => latch!(|a, b| a <= b, reg),
                Kind::Add64ImmJsgt64Imm => latch!(|a, b| (a as i64) > (b as i64), imm),
                Kind::Add64ImmJsgt64Reg => latch!(|a, b| (a as i64) > (b as i64), reg),
                Kind::Add64ImmJsge64Imm => latch!(|a, b| (a as i64) >= (b as i64), imm),
                Kind::Add64ImmJsge64Reg => latch!(|a, b| (a as i64) >= (b as i64), reg),
                Kind::Add64ImmJslt64Imm => latch!(|a, b| (a as i64) < (b as i64), imm),
                Kind::Add64ImmJslt64Reg => latch!(|a, b| (a as i64) < (b as i64), reg),
                Kind::Add64ImmJsle64Imm => latch!(|a, b| (a as i64) <= (b as i64), imm),
                Kind::Add64ImmJsle64Reg => latch!(|a, b| (a as i64) <= (b as i64), reg),
                Kind::Add64ImmJset64Imm => latch!(|a, b| a & b != 0, imm),
                Kind::Add64ImmJset64Reg => latch!(|a, b| a & b != 0, reg),
                Kind::Jeq64Imm => branch!(|a, b| a == b, imm),
                Kind::Jeq64Reg => branch!(|a, b| a == b, reg),
                Kind::Jgt64Imm => branch!(|a, b| a > b, imm),
                Kind::Jgt64Reg => branch!(|a, b| a > b, reg),
                Kind::Jge64Imm => branch!(|a, b| a >= b, imm),
                Kind::Jge64Reg => branch!(|a, b| a >= b, reg),
                Kind::Jset64Imm => branch!(|a, b| a & b != 0, imm),
                Kind::Jset64Reg => branch!(|a, b| a & b != 0, reg),
                Kind::Jne64Imm => branch!(|a, b| a != b, imm),
                Kind::Jne64Reg => branch!(|a, b| a != b, reg),
                Kind::Jsgt64Imm => branch!(|a, b| (a as i64) > (b as i64), imm),
                Kind::Jsgt64Reg => branch!(|a, b| (a as i64) > (b as i64), reg),
                Kind::Jsge64Imm => branch!(|a, b| (a as i64) >= (b as i64), imm),
                Kind::Jsge64Reg => branch!(|a, b| (a as i64) >= (b as i64), reg),
                Kind::Jlt64Imm => branch!(|a, b| a < b, imm),
                Kind::Jlt64Reg => branch!(|a, b| a < b, reg),
                Kind::Jle64Imm => branch!(|a, b| a <= b, imm),
                Kind::Jle64Reg => branch!(|a, b| a <= b, reg),
                Kind::Jslt64Imm => branch!(|a, b| (a as i64) < (b as i64), imm),
                Kind::Jslt64Reg => branch!(|a, b| (a as i64) < (b as i64), reg),
                Kind::Jsle64Imm => branch!(|a, b| (a as i64) <= (b as i64), imm),
                Kind::Jsle64Reg => branch!(|a, b| (a as i64) <= (b as i64), reg),
                Kind::Jeq32Imm => branch32!(|a, b| a == b, imm),
                Kind::Jeq32Reg => branch32!(|a, b| a == b, reg),
                Kind::Jgt32Imm => branch32!(|a, b| a > b, imm),
                Kind::Jgt32Reg => branch32!(|a, b| a > b, reg),
                Kind::Jge32Imm => branch32!(|a, b| a >= b, imm),
                Kind::Jge32Reg => branch32!(|a, b| a >= b, reg),
                Kind::Jset32Imm => branch32!(|a, b| a & b != 0, imm),
                Kind::Jset32Reg => branch32!(|a, b| a & b != 0, reg),
                Kind::Jne32Imm => branch32!(|a, b| a != b, imm),
                Kind::Jne32Reg => branch32!(|a, b| a != b, reg),
                Kind::Jsgt32Imm => branch32!(|a, b| (a as i32) > (b as i32), imm),
                Kind::Jsgt32Reg => branch32!(|a, b| (a as i32) > (b as i32), reg),
                Kind::Jsge32Imm => branch32!(|a, b| (a as i32) >= (b as i32), imm),
                Kind::Jsge32Reg => branch32!(|a, b| (a as i32) >= (b as i32), reg),
                Kind::Jlt32Imm => branch32!(|a, b| a < b, imm),
                Kind::Jlt32Reg => branch32!(|a, b| a < b, reg),
                Kind::Jle32Imm => branch32!(|a, b| a <= b, imm),
                Kind::Jle32Reg => branch32!(|a, b| a <= b, reg),
                Kind::Jslt32Imm => branch32!(|a, b| (a as i32) < (b as i32), imm),
                Kind::Jslt32Reg => branch32!(|a, b| (a as i32) < (b as i32), reg),
                Kind::Jsle32Imm => branch32!(|a, b| (a as i32) <= (b as i32), imm),
                Kind::Jsle32Reg => branch32!(|a, b| (a as i32) <= (b as i32), reg),

                Kind::CallLocal => {
                    let new_depth = depth + 1;
                    if new_depth >= interp.n_frames {
                        return Some(Err(self.error(
                            pc - 1,
                            RunErrorKind::CallDepthExceeded {
                                max_depth: MAX_FRAMES,
                            },
                        )));
                    }
                    frames[depth & (MAX_FRAMES - 1)] = Frame {
                        return_pc: pc,
                        callee_saved: [regs[6], regs[7], regs[8], regs[9]],
                        frame_pointer: regs[FRAME_POINTER as usize],
                    };
                    depth = new_depth;
                    regs[FRAME_POINTER as usize] =
                        self.stack_top - (depth * STACK_PER_FRAME) as u64;
                    pc = c.arg as usize;
                }
                Kind::Exit => {
                    if depth == 0 {
                        return Some(Ok(regs[0]));
                    }
                    depth -= 1;
                    let frame = frames[depth & (MAX_FRAMES - 1)];
                    regs[6..10].copy_from_slice(&frame.callee_saved);
                    regs[FRAME_POINTER as usize] = frame.frame_pointer;
                    pc = frame.return_pc;
                }
                Kind::CallHelper => {
                    let (id, helper) = &interp.called[c.arg as usize];
                    match self.call_helper(pc - 1, *id as u64, helper, depth, regs) {
                        Ok(HelperOutcome::Return(value)) => regs[0] = value,
                        Ok(HelperOutcome::Unwind(value)) => return Some(Ok(value)),
                        Err(error) => return Some(Err(error)),
                    }
                }
                Kind::Callx => {
                    let id = regs[d];
                    let Some(helper) = u32::try_from(id).ok().and_then(|id| interp.helpers.get(id))
                    else {
                        return Some(Err(self.error(pc - 1, RunErrorKind::UnknownHelper { id })));
                    };
                    match self.call_helper(pc - 1, id, helper, depth, regs) {
                        Ok(HelperOutcome::Return(value)) => regs[0] = value,
                        Ok(HelperOutcome::Unwind(value)) => return Some(Ok(value)),
                        Err(error) => return Some(Err(error)),
                    }
                }
                Kind::Fault => return Some(Err(interp.faults[c.arg as usize].clone())),
            }
        }
        machine.pc = pc;
        machine.depth = depth;
        None
    }

    /// Calls `helper` (number `id`) for the instruction at code index `at`, with the stack
    /// window of call depth `depth`, as the checked interpreter does.
    #[cold]
    #[inline(never)]
    fn call_helper(
        &mut self,
        at: usize,
        id: u64,
        helper: &Helper,
        depth: usize,
        regs: &[u64; 16],
    ) -> Result<HelperOutcome, RunError> {
        let args = [regs[1], regs[2], regs[3], regs[4], regs[5]];
        let memory = self.memory();
        memory.set_stack_depth(depth);
        let result = helper.call(memory, args);
        // The helper may have used the regions' borrows, which invalidates the pointers
        // derived from them before: derive fresh ones before the next access.
        self.stale = true;
        match result {
            Ok(value) => match self.interp.check_return(id, value, &args) {
                Ok(()) => Ok(HelperOutcome::Return(value)),
                Err(message) => Err(self.error(
                    at,
                    RunErrorKind::HelperFailed {
                        id: id as u32,
                        name: helper.name,
                        message,
                    },
                )),
            },
            Err(HelperError::Unwind(value)) => Ok(HelperOutcome::Unwind(value)),
            Err(HelperError::Memory(fault)) => Err(self.error(at, fault.into())),
            Err(HelperError::Failed(message)) => Err(self.error(
                at,
                RunErrorKind::HelperFailed {
                    id: id as u32,
                    name: helper.name,
                    message,
                },
            )),
        }
    }

    /// The memory helpers see, built on first use.
    fn memory(&mut self) -> &mut Memory<'a> {
        if let HelperMemory::Pending { .. } = self.memory {
            let HelperMemory::Pending {
                stack,
                input,
                state,
            } = std::mem::replace(&mut self.memory, HelperMemory::Moving)
            else {
                unreachable!("just matched");
            };
            let regions = vec![MemoryRegion::read_write(RegionKind::Input, input)];
            let mut memory = Memory::with_stack(stack, STACK_PER_FRAME, regions);
            if let Some(state) = state {
                memory.set_run_state(state);
            }
            self.memory = HelperMemory::Built(memory);
        }
        match &mut self.memory {
            HelperMemory::Built(memory) => memory,
            _ => unreachable!("built above"),
        }
    }

    /// Re-exposes the regions (see [`Run::expose`]) if a helper ran since they last were:
    /// called before every memory access.
    #[inline(always)]
    fn ensure_exposed(&mut self) {
        if self.stale {
            self.expose();
        }
    }

    /// Makes the whole stack visible in the helpers' memory, derives a fresh pointer to the
    /// stack and to every region from it, and exposes them: the pointers the interpreter's
    /// accesses use from now on (see the module documentation).
    #[cold]
    #[inline(never)]
    fn expose(&mut self) {
        self.stale = false;
        let memory = match &mut self.memory {
            HelperMemory::Built(memory) => memory,
            // Before the first helper call: straight from the borrows, as they are now (a
            // move of the borrows, such as passing the run by value, reborrows them and
            // would invalidate pointers derived earlier).
            HelperMemory::Pending { stack, input, .. } => {
                stack.as_mut_ptr().expose_provenance();
                input.as_mut_ptr().expose_provenance();
                return;
            }
            HelperMemory::Moving => return,
        };
        let n_frames = self.interp.n_frames;
        memory.set_stack_depth(n_frames - 1);
        let stack = Region {
            kind: RegionKind::Stack {
                depth: n_frames - 1,
            },
            base: self.stack_base,
            len: (n_frames * STACK_PER_FRAME) as u64,
            writable: true,
        };
        let (fixed, many): (&[Region], &[RunRegion]) = match &self.regions {
            Regions::Input(input) => (std::slice::from_ref(input), &[]),
            Regions::Context(pair) => (pair, &[]),
            Regions::Many(regions) => (&[], regions),
        };
        // Shared regions are reached atomically through the slabs' own provenance, which
        // `Memory` does not hand out (nor can a helper invalidate it).
        let plain = many.iter().filter(|r| !r.shared).map(|r| &r.region);
        for region in std::iter::once(&stack).chain(fixed).chain(plain) {
            if region.writable {
                if let Ok(bytes) = memory.write_slice(region.base, region.len) {
                    bytes.as_mut_ptr().expose_provenance();
                }
            } else if let Ok(Cow::Borrowed(bytes)) = memory.read(region.base, region.len) {
                bytes.as_ptr().expose_provenance();
            }
        }
    }

    /// Loads a `T` from `addr`: atomically if it is shared memory (see the module doc).
    ///
    /// # Safety
    ///
    /// The verifier proved `[addr, addr + size)` readable memory of the run (see `step`),
    /// and its pointers are exposed (`ensure_exposed`).
    #[inline(always)]
    unsafe fn load_word<const SHARED: bool, T: Word>(
        &mut self,
        addr: u64,
        hull: SharedHull,
    ) -> Result<T, Faulted> {
        if SHARED && self.is_shared(hull, addr, T::SIZE) {
            if addr.is_multiple_of(T::SIZE) {
                // SAFETY: readable shared memory (the caller's guarantee and `is_shared`),
                // whose slab provenance is exposed, aligned (just checked); shared memory
                // is only ever accessed atomically.
                return Ok(unsafe { T::load_atomic(addr) });
            }
            return self.memory_load(addr);
        }
        // SAFETY: readable memory of the run (the caller's guarantee) that is not shared,
        // so owned by the run or immutable while it lasts: no concurrent write.
        Ok(unsafe { load::<T>(addr) })
    }

    /// Stores `value` at `addr`: atomically if it is shared memory.
    ///
    /// # Safety
    ///
    /// As for [`Run::load_word`], for writable memory.
    #[inline(always)]
    unsafe fn store_word<const SHARED: bool, T: Word>(
        &mut self,
        addr: u64,
        value: T,
        hull: SharedHull,
    ) -> Result<(), Faulted> {
        if SHARED && self.is_shared(hull, addr, T::SIZE) {
            if addr.is_multiple_of(T::SIZE) {
                // SAFETY: as in `load_word`, for writable memory; the slabs are atomics,
                // so their provenance carries write permission.
                unsafe { T::store_atomic(addr, value) };
                return Ok(());
            }
            return self.memory_store(addr, T::SIZE, value.to_u64());
        }
        // SAFETY: writable memory of the run (the caller's guarantee) that is not shared,
        // so owned by the run: no concurrent access.
        unsafe { store::<T>(addr, value) };
        Ok(())
    }

    /// An atomic instruction of 4 (`wide == false`) or 8 bytes at `addr`; returns the old
    /// value. Unaligned ones in shared memory go through [`Memory`], as in the checked
    /// interpreter (which refuses those that straddle two words).
    ///
    /// # Safety
    ///
    /// As for [`Run::store_word`], for memory both readable and writable.
    #[inline(always)]
    unsafe fn atomic_word<const SHARED: bool>(
        &mut self,
        addr: u64,
        wide: bool,
        op: AtomicOp,
        operand: u64,
        expected: u64,
        hull: SharedHull,
    ) -> Result<u64, Faulted> {
        let size = if wide { 8 } else { 4 };
        if SHARED && !addr.is_multiple_of(size) && self.is_shared(hull, addr, size) {
            return self.memory_atomic(addr, size, op, operand, expected);
        }
        // SAFETY: readable and writable memory of the run (the caller's guarantee); when it
        // is shared it is aligned (just checked), which `atomic` then accesses atomically.
        Ok(unsafe { atomic(addr, wide, op, operand, expected) })
    }

    /// Whether `[addr, addr + size)`, which the verifier proved inside one region of the run
    /// or the stack, lies in a shared region.
    #[inline(always)]
    fn is_shared(&self, hull: SharedHull, addr: u64, size: u64) -> bool {
        if addr.wrapping_sub(hull.lo) >= hull.len {
            return false;
        }
        hull.exact || self.in_shared_region(addr, size)
    }

    #[cold]
    #[inline(never)]
    fn in_shared_region(&self, addr: u64, size: u64) -> bool {
        match &self.regions {
            Regions::Input(_) => false,
            Regions::Context(_) => self.interp.maps.iter().any(|map| {
                map.value_region()
                    .region(RegionKind::Input)
                    .contains(addr, size)
            }),
            Regions::Many(regions) => regions
                .iter()
                .any(|r| r.shared && r.region.contains(addr, size)),
        }
    }

    /// An unaligned load from shared memory, through the checked view.
    #[cold]
    #[inline(never)]
    fn memory_load<T: Word>(&mut self, addr: u64) -> Result<T, Faulted> {
        let result = self.memory().load(addr, T::SIZE);
        self.fault_on(result).map(T::from_u64)
    }

    /// An unaligned store to shared memory, through the checked view.
    #[cold]
    #[inline(never)]
    fn memory_store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), Faulted> {
        let result = self.memory().store(addr, size, value);
        self.fault_on(result)
    }

    /// An unaligned atomic instruction on shared memory, through the checked view: the
    /// checked interpreter's semantics exactly.
    #[cold]
    #[inline(never)]
    fn memory_atomic(
        &mut self,
        addr: u64,
        size: u64,
        op: AtomicOp,
        operand: u64,
        expected: u64,
    ) -> Result<u64, Faulted> {
        let mask = if size == 8 { u64::MAX } else { 0xffff_ffff };
        let (operand, expected) = (operand & mask, expected & mask);
        let result = self.memory().read_modify_write(addr, size, |old| match op {
            AtomicOp::Add | AtomicOp::FetchAdd => Some(old.wrapping_add(operand)),
            AtomicOp::Or | AtomicOp::FetchOr => Some(old | operand),
            AtomicOp::And | AtomicOp::FetchAnd => Some(old & operand),
            AtomicOp::Xor | AtomicOp::FetchXor => Some(old ^ operand),
            AtomicOp::Xchg => Some(operand),
            AtomicOp::CmpXchg => (old == expected).then_some(operand),
        });
        self.fault_on(result)
    }

    /// `result`'s value, or [`Faulted`] with its fault kept for [`Run::take_fault`].
    fn fault_on<T>(&mut self, result: Result<T, MemoryFault>) -> Result<T, Faulted> {
        result.map_err(|fault| {
            self.fault = Some(fault.into());
            Faulted
        })
    }

    /// The error for the fault an access just kept, raised by the instruction at code index
    /// `at`.
    #[cold]
    #[inline(never)]
    fn take_fault(&mut self, at: usize) -> RunError {
        let kind = self.fault.take().unwrap_or(RunErrorKind::BadInstruction {
            reason: "an access faulted without saying why",
        });
        self.error(at, kind)
    }

    /// The error `kind` raised by the instruction at code index `at`.
    #[cold]
    fn error(&self, at: usize, kind: RunErrorKind) -> RunError {
        RunError {
            insn_idx: self.interp.slot_of[at] as usize,
            kind,
        }
    }
}

/// How a helper call ended, when it did not fault.
#[derive(Clone, Copy, Debug)]
enum HelperOutcome {
    /// The helper returned this `r0`; the program continues.
    Return(u64),
    /// The helper ended the program with this `r0`.
    Unwind(u64),
}

/// One translated instruction: 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Code {
    op: Kind,
    /// Register numbers, used `& 15`.
    dst: u8,
    src: u8,
    /// The memory offset (sign-extended when used), the absolute jump or call target, the
    /// index into `called` or into `faults`.
    arg: u32,
    /// The immediate, sign-extended to 64 bits (the whole value for `lddw`); for atomics,
    /// the index into [`ATOMIC_OPS`].
    imm: u64,
}

impl Code {
    const fn new(op: Kind, dst: u8, src: u8, arg: u32, imm: u64) -> Code {
        Code {
            op,
            dst,
            src,
            arg,
            imm,
        }
    }
}

/// The operations of the translated form: those of [`ringfence_isa::Op`] that survive specialisation, by
/// the same names, plus a few of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// Superinstructions: `mov dst, src`, then an ALU operation on `dst` in the next entry.
    Mov64RegAdd64Imm,
    Mov64RegMul64Imm,
    Mov64RegOr64Imm,
    Mov64RegAnd64Imm,
    Mov64RegXor64Imm,
    Mov64RegLsh64Imm,
    Mov64RegRsh64Imm,
    Mov64RegArsh64Imm,
    Mov64RegAdd64Reg,
    Mov64RegSub64Reg,
    /// Superinstructions: an unsigned load, then `jeq`/`jne` against a constant on the loaded
    /// register in the next entry.
    LdxBJeq64Imm,
    LdxBJeq32Imm,
    LdxBJne64Imm,
    LdxBJne32Imm,
    LdxHJeq64Imm,
    LdxHJeq32Imm,
    LdxHJne64Imm,
    LdxHJne32Imm,
    LdxWJeq64Imm,
    LdxWJeq32Imm,
    LdxWJne64Imm,
    LdxWJne32Imm,
    LdxDwJeq64Imm,
    LdxDwJeq32Imm,
    LdxDwJne64Imm,
    LdxDwJne32Imm,
    /// Superinstructions: `add dst, imm` then the 64-bit conditional jump in the next entry.
    Add64ImmJeq64Imm,
    Add64ImmJeq64Reg,
    Add64ImmJne64Imm,
    Add64ImmJne64Reg,
    Add64ImmJgt64Imm,
    Add64ImmJgt64Reg,
    Add64ImmJge64Imm,
    Add64ImmJge64Reg,
    Add64ImmJlt64Imm,
    Add64ImmJlt64Reg,
    Add64ImmJle64Imm,
    Add64ImmJle64Reg,
    Add64ImmJsgt64Imm,
    Add64ImmJsgt64Reg,
    Add64ImmJsge64Imm,
    Add64ImmJsge64Reg,
    Add64ImmJslt64Imm,
    Add64ImmJslt64Reg,
    Add64ImmJsle64Imm,
    Add64ImmJsle64Reg,
    Add64ImmJset64Imm,
    Add64ImmJset64Reg,
    /// Does nothing (`le64`, a modulo by a constant zero).
    Nop,
    Add64Imm,
    Add64Reg,
    Sub64Reg,
    Mul64Imm,
    Mul64Reg,
    Div64Imm,
    Div64Reg,
    SDiv64Imm,
    SDiv64Reg,
    Or64Imm,
    Or64Reg,
    And64Imm,
    And64Reg,
    Lsh64Imm,
    Lsh64Reg,
    Rsh64Imm,
    Rsh64Reg,
    Arsh64Imm,
    Arsh64Reg,
    Mod64Imm,
    Mod64Reg,
    SMod64Imm,
    SMod64Reg,
    Xor64Imm,
    Xor64Reg,
    /// Also `mov32` of a constant and `lddw` (the immediate is the final value).
    Mov64Imm,
    Mov64Reg,
    Neg64,
    MovSx8To64,
    MovSx16To64,
    MovSx32To64,
    Add32Imm,
    Add32Reg,
    Sub32Reg,
    Mul32Imm,
    Mul32Reg,
    Div32Imm,
    Div32Reg,
    SDiv32Imm,
    SDiv32Reg,
    Or32Imm,
    Or32Reg,
    And32Imm,
    And32Reg,
    Lsh32Imm,
    Lsh32Reg,
    Rsh32Imm,
    Rsh32Reg,
    Arsh32Imm,
    Arsh32Reg,
    Mod32Imm,
    Mod32Reg,
    SMod32Imm,
    SMod32Reg,
    Xor32Imm,
    Xor32Reg,
    /// Also `le32` and a 32-bit modulo by a constant zero (`dst = src` zero-extended).
    Mov32Reg,
    Neg32,
    MovSx8To32,
    MovSx16To32,
    /// `be16`, `bswap16`: swap the low two bytes, zero-extended.
    Swap16,
    Swap32,
    Swap64,
    LdxB,
    LdxH,
    LdxW,
    LdxDw,
    LdxSB,
    LdxSH,
    LdxSW,
    StB,
    StH,
    StW,
    StDw,
    StxB,
    StxH,
    StxW,
    StxDw,
    /// Every 32-bit atomic; the operation is `ATOMIC_OPS[imm]`.
    Atomic32,
    Atomic64,
    Ja,
    Jeq64Imm,
    Jeq64Reg,
    Jgt64Imm,
    Jgt64Reg,
    Jge64Imm,
    Jge64Reg,
    Jset64Imm,
    Jset64Reg,
    Jne64Imm,
    Jne64Reg,
    Jsgt64Imm,
    Jsgt64Reg,
    Jsge64Imm,
    Jsge64Reg,
    Jlt64Imm,
    Jlt64Reg,
    Jle64Imm,
    Jle64Reg,
    Jslt64Imm,
    Jslt64Reg,
    Jsle64Imm,
    Jsle64Reg,
    Jeq32Imm,
    Jeq32Reg,
    Jgt32Imm,
    Jgt32Reg,
    Jge32Imm,
    Jge32Reg,
    Jset32Imm,
    Jset32Reg,
    Jne32Imm,
    Jne32Reg,
    Jsgt32Imm,
    Jsgt32Reg,
    Jsge32Imm,
    Jsge32Reg,
    Jlt32Imm,
    Jlt32Reg,
    Jle32Imm,
    Jle32Reg,
    Jslt32Imm,
    Jslt32Reg,
    Jsle32Imm,
    Jsle32Reg,
    /// A helper by number, resolved: `called[arg]`.
    CallHelper,
    /// A helper whose number is in `dst`.
    Callx,
    /// A local call to code index `arg`.
    CallLocal,
    Exit,
    /// Ends the run with `faults[arg]`.
    Fault,
}

/// The atomic operations, indexed by a [`Kind::Atomic32`] or [`Kind::Atomic64`]'s `imm`.
const ATOMIC_OPS: [AtomicOp; 10] = [
    AtomicOp::Add,
    AtomicOp::Or,
    AtomicOp::And,
    AtomicOp::Xor,
    AtomicOp::FetchAdd,
    AtomicOp::FetchOr,
    AtomicOp::FetchAnd,
    AtomicOp::FetchXor,
    AtomicOp::Xchg,
    AtomicOp::CmpXchg,
];

/// Signed 64-bit division as RFC 9669 defines it: `x / 0 == 0`, `MIN / -1 == MIN`.
#[inline(always)]
fn sdiv64(a: u64, b: u64) -> u64 {
    if b == 0 {
        0
    } else {
        (a as i64).wrapping_div(b as i64) as u64
    }
}

/// Signed 64-bit modulo: `x % 0 == x`, `MIN % -1 == 0`.
#[inline(always)]
fn smod64(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        (a as i64).wrapping_rem(b as i64) as u64
    }
}

#[inline(always)]
fn sdiv32(a: u32, b: u32) -> u32 {
    if b == 0 {
        0
    } else {
        (a as i32).wrapping_div(b as i32) as u32
    }
}

#[inline(always)]
fn smod32(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        (a as i32).wrapping_rem(b as i32) as u32
    }
}

// ---- Raw memory access: the only places this module reads or writes program memory ------

/// The unsigned integers a program loads and stores: every bit pattern is a valid value.
trait Word: Copy {
    /// The size in bytes.
    const SIZE: u64;

    fn from_u64(value: u64) -> Self;

    fn to_u64(self) -> u64;

    /// A relaxed atomic load at `addr`.
    ///
    /// # Safety
    ///
    /// `addr` is aligned to the size and lies inside live memory whose exposed provenance
    /// allows writes (memory made of atomics, or borrowed mutably), and which is never
    /// accessed non-atomically concurrently.
    unsafe fn load_atomic(addr: u64) -> Self;

    /// A relaxed atomic store at `addr`.
    ///
    /// # Safety
    ///
    /// As for [`Word::load_atomic`].
    unsafe fn store_atomic(addr: u64, value: Self);
}

macro_rules! word {
    ($int:ty, $atomic:ty) => {
        impl Word for $int {
            const SIZE: u64 = std::mem::size_of::<$int>() as u64;

            #[inline(always)]
            fn from_u64(value: u64) -> $int {
                value as $int
            }

            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }

            #[inline(always)]
            unsafe fn load_atomic(addr: u64) -> $int {
                let ptr = ptr::with_exposed_provenance_mut::<$int>(addr as usize);
                // SAFETY: aligned, live, writable through an exposed provenance and never
                // accessed non-atomically concurrently (the caller's guarantee).
                unsafe { <$atomic>::from_ptr(ptr) }.load(Ordering::Relaxed)
            }

            #[inline(always)]
            unsafe fn store_atomic(addr: u64, value: $int) {
                let ptr = ptr::with_exposed_provenance_mut::<$int>(addr as usize);
                // SAFETY: as in `load_atomic`.
                unsafe { <$atomic>::from_ptr(ptr) }.store(value, Ordering::Relaxed)
            }
        }
    };
}

word!(u8, AtomicU8);
word!(u16, AtomicU16);
word!(u32, AtomicU32);
word!(u64, AtomicU64);

/// Reads a `T` (little endian, as the host is) at host address `addr`, which need not be
/// aligned.
///
/// # Safety
///
/// `[addr, addr + size_of::<T>())` must lie inside live, initialised memory of the run (its
/// stack or one of its regions) whose provenance was exposed, and nothing may write it
/// concurrently.
#[inline(always)]
unsafe fn load<T: Word>(addr: u64) -> T {
    let ptr = ptr::with_exposed_provenance::<T>(addr as usize);
    // SAFETY: the caller guarantees that the bytes are live, initialised, reachable from an
    // exposed provenance and not written concurrently; `T` accepts every bit pattern, and
    // `read_unaligned` needs no alignment.
    unsafe { ptr.read_unaligned() }
}

/// Writes a `T` (little endian) at host address `addr`, which need not be aligned.
///
/// # Safety
///
/// `[addr, addr + size_of::<T>())` must lie inside live, writable memory of the run (its stack
/// or a writable region) whose provenance, with write permission, was exposed, and nothing
/// may access it concurrently.
#[inline(always)]
unsafe fn store<T: Word>(addr: u64, value: T) {
    let ptr = ptr::with_exposed_provenance_mut::<T>(addr as usize);
    // SAFETY: the caller guarantees that the bytes are live, writable through an exposed
    // provenance and not accessed concurrently; `write_unaligned` needs no alignment.
    unsafe { ptr.write_unaligned(value) }
}

macro_rules! atomic_rmw {
    ($name:ident, $int:ty, $atomic:ty) => {
        /// An atomic read-modify-write of the `$int` at `addr`; returns the old value.
        /// Aligned accesses use the host's atomics; an unaligned one (which BPF allows and
        /// hardware atomics do not) is a plain read then write, which is equivalent as long
        /// as the memory is not shared with another thread.
        ///
        /// # Safety
        ///
        /// As for [`store`]; in addition, memory another thread can reach concurrently must
        /// be aligned and only ever accessed atomically.
        #[inline(always)]
        unsafe fn $name(addr: u64, op: AtomicOp, operand: $int, expected: $int) -> $int {
            let ptr = ptr::with_exposed_provenance_mut::<$int>(addr as usize);
            if ptr.is_aligned() {
                // SAFETY: `ptr` is aligned (just checked), points to live, writable memory
                // reachable from an exposed provenance (the caller guarantees it), and is
                // never accessed non-atomically concurrently.
                let cell = unsafe { <$atomic>::from_ptr(ptr) };
                let order = Ordering::SeqCst;
                match op {
                    AtomicOp::Add | AtomicOp::FetchAdd => cell.fetch_add(operand, order),
                    AtomicOp::Or | AtomicOp::FetchOr => cell.fetch_or(operand, order),
                    AtomicOp::And | AtomicOp::FetchAnd => cell.fetch_and(operand, order),
                    AtomicOp::Xor | AtomicOp::FetchXor => cell.fetch_xor(operand, order),
                    AtomicOp::Xchg => cell.swap(operand, order),
                    AtomicOp::CmpXchg => {
                        match cell.compare_exchange(expected, operand, order, order) {
                            Ok(old) | Err(old) => old,
                        }
                    }
                }
            } else {
                // SAFETY: the caller guarantees the bytes are live, writable and not accessed
                // concurrently; unaligned reads and writes need no alignment.
                let old = unsafe { ptr.read_unaligned() };
                let new = match op {
                    AtomicOp::Add | AtomicOp::FetchAdd => old.wrapping_add(operand),
                    AtomicOp::Or | AtomicOp::FetchOr => old | operand,
                    AtomicOp::And | AtomicOp::FetchAnd => old & operand,
                    AtomicOp::Xor | AtomicOp::FetchXor => old ^ operand,
                    AtomicOp::Xchg => operand,
                    AtomicOp::CmpXchg if old == expected => operand,
                    AtomicOp::CmpXchg => old,
                };
                // SAFETY: as for the read just above.
                unsafe { ptr.write_unaligned(new) };
                old
            }
        }
    };
}

atomic_rmw!(atomic32, u32, AtomicU32);
atomic_rmw!(atomic64, u64, AtomicU64);

/// An atomic operation of 4 bytes (`wide == false`) or 8 bytes at `addr` with `operand` (and
/// `expected` for `cmpxchg`); returns the old value, zero-extended.
///
/// # Safety
///
/// As for `atomic32`/`atomic64`, with the access size chosen by `wide`.
#[inline(always)]
unsafe fn atomic(addr: u64, wide: bool, op: AtomicOp, operand: u64, expected: u64) -> u64 {
    if wide {
        // SAFETY: forwarded from the caller.
        unsafe { atomic64(addr, op, operand, expected) }
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { atomic32(addr, op, operand as u32, expected as u32) as u64 }
    }
}

// ---- Translation (safe code) ---------------------------------------------------------------

/// Builds the translated form of `insns` (one per slot), with the maps, the context and the
/// program type's name left for the caller to fill in.
fn translate(insns: &[Insn], helpers: &Helpers, maps: &Maps) -> FastInterpreter {
    // The code index of each slot; `lddw` tails have none.
    let mut index_of: Vec<Option<u32>> = vec![None; insns.len()];
    let mut n_code = 0u32;
    for (slot, insn) in insns.iter().enumerate() {
        if !insn.is_lddw_tail() {
            index_of[slot] = Some(n_code);
            n_code += 1;
        }
    }
    let mut interp = FastInterpreter {
        code: Vec::with_capacity(n_code as usize + 1),
        n_code: n_code as usize,
        slot_of: Vec::with_capacity(n_code as usize + 1),
        called: Vec::new(),
        faults: Vec::new(),
        helpers: helpers.clone(),
        n_frames: call_frames(insns),
        maps: Maps::default(),
        map_value_returns: MapValueReturns::default(),
        context: Context::Mem { len: 0 },
        contract: EntryContract::Mem { len: 0 },
        prog_type_name: String::new(),
    };
    // Conditional jumps to a bad target fault only when taken: they jump to one of these
    // entries, appended after the code: (code index of the fault entry, error).
    let mut trampolines: Vec<RunError> = Vec::new();
    for (slot, insn) in insns.iter().enumerate() {
        if insn.is_lddw_tail() {
            continue;
        }
        let code = match translate_one(insns, maps, slot, &index_of, &mut interp, &mut trampolines)
        {
            Ok(code) => code,
            Err(error) => {
                let idx = interp.faults.len() as u32;
                interp.faults.push(error);
                Code::new(Kind::Fault, 0, 0, idx, 0)
            }
        };
        interp.code.push(code);
        interp.slot_of.push(slot as u32);
    }
    // Falling off the end: the checked interpreter blames the last instruction.
    let last = match insns.len().checked_sub(1) {
        Some(last) if last > 0 && insns[last].is_lddw_tail() => last - 1,
        Some(last) => last,
        None => 0,
    };
    let end_errors = std::iter::once(RunError {
        insn_idx: last,
        kind: RunErrorKind::FellOffEnd,
    })
    .chain(trampolines);
    for error in end_errors {
        let idx = interp.faults.len() as u32;
        interp.slot_of.push(error.insn_idx as u32);
        interp.faults.push(error);
        interp.code.push(Code::new(Kind::Fault, 0, 0, idx, 0));
    }
    // Superinstructions: the second entry stays as it is, so jumping to it still works.
    for idx in 0..interp.n_code.saturating_sub(1) {
        if let Some(fused) = fuse(interp.code[idx], interp.code[idx + 1]) {
            interp.code[idx].op = fused;
        }
    }
    // Pad to a power of two with copies of the fell-off-end fault (never reached: every
    // target and fall-through is below the padding).
    let fell_off_end = interp.code[n_code as usize];
    while !interp.code.len().is_power_of_two() {
        interp.code.push(fell_off_end);
        interp.slot_of.push(last as u32);
    }
    interp
}

/// Translates the instruction at `slot`, or says which fault it raises when reached.
fn translate_one(
    insns: &[Insn],
    maps: &Maps,
    slot: usize,
    index_of: &[Option<u32>],
    interp: &mut FastInterpreter,
    trampolines: &mut Vec<RunError>,
) -> Result<Code, RunError> {
    let insn = insns[slot];
    let fail = |kind: RunErrorKind| RunError {
        insn_idx: slot,
        kind,
    };
    if let Some(reason) = bad_instruction(insns, slot, maps) {
        return Err(fail(RunErrorKind::BadInstruction { reason }));
    }
    let (dst, src) = (insn.dst, insn.src);
    let imm = insn.imm as u64;
    // The code index of the jump or call target, or the error taking it raises.
    let target = || -> Result<u32, RunError> {
        let target = insn.jump_target(slot).unwrap_or(-1);
        match usize::try_from(target) {
            Ok(t) if t < insns.len() => {
                index_of[t].ok_or(fail(RunErrorKind::JumpIntoLddw { target: t }))
            }
            _ => Err(fail(RunErrorKind::JumpOutOfProgram {
                target,
                n_insns: insns.len(),
            })),
        }
    };
    let code = |op: Kind, arg: u32, imm: u64| Code::new(op, dst, src, arg, imm);
    let mem_off = insn.off as i32 as u32;
    Ok(match insn.semantics() {
        Semantics::Alu { op, width, source } => {
            let (kind, imm) = alu_kind(op, width, source, imm);
            match kind {
                // `mov32 dst, dst` zero-extends in place.
                Kind::Mov32Reg if source == Source::Imm => Code::new(kind, dst, dst, 0, 0),
                _ => code(kind, 0, imm),
            }
        }
        Semantics::Neg { width } => code(pick(width, Kind::Neg32, Kind::Neg64), 0, 0),
        Semantics::MovSx { width, from } => code(
            match (width, from) {
                (Width::W32, Size::B) => Kind::MovSx8To32,
                (Width::W32, _) => Kind::MovSx16To32,
                (Width::W64, Size::B) => Kind::MovSx8To64,
                (Width::W64, Size::H) => Kind::MovSx16To64,
                (Width::W64, _) => Kind::MovSx32To64,
            },
            0,
            0,
        ),
        Semantics::Endian { order, bits } => match (order, bits) {
            (ByteOrder::Le, 16) => code(Kind::And64Imm, 0, 0xffff),
            (ByteOrder::Le, 32) => Code::new(Kind::Mov32Reg, dst, dst, 0, 0),
            (ByteOrder::Le, _) => code(Kind::Nop, 0, 0),
            (_, 16) => code(Kind::Swap16, 0, 0),
            (_, 32) => code(Kind::Swap32, 0, 0),
            (_, _) => code(Kind::Swap64, 0, 0),
        },
        Semantics::Load { size, signed } => code(
            match (size, signed) {
                (Size::B, false) => Kind::LdxB,
                (Size::H, false) => Kind::LdxH,
                (Size::W, false) => Kind::LdxW,
                (Size::Dw, _) => Kind::LdxDw,
                (Size::B, true) => Kind::LdxSB,
                (Size::H, true) => Kind::LdxSH,
                (Size::W, true) => Kind::LdxSW,
            },
            mem_off,
            0,
        ),
        Semantics::Store { size, source } => code(
            match (size, source) {
                (Size::B, Source::Imm) => Kind::StB,
                (Size::H, Source::Imm) => Kind::StH,
                (Size::W, Source::Imm) => Kind::StW,
                (Size::Dw, Source::Imm) => Kind::StDw,
                (Size::B, Source::Reg) => Kind::StxB,
                (Size::H, Source::Reg) => Kind::StxH,
                (Size::W, Source::Reg) => Kind::StxW,
                (Size::Dw, Source::Reg) => Kind::StxDw,
            },
            mem_off,
            imm,
        ),
        Semantics::Atomic { size, op } => {
            let kind = if size == Size::Dw {
                Kind::Atomic64
            } else {
                Kind::Atomic32
            };
            let op_idx = ATOMIC_OPS.iter().position(|&o| o == op).unwrap_or(0);
            code(kind, mem_off, op_idx as u64)
        }
        // `bad_instruction` faults the references it cannot resolve.
        Semantics::LoadImm64 { kind } => {
            let value = resolve_map_reference(kind, insn.imm, maps).unwrap_or(0);
            code(Kind::Mov64Imm, 0, value)
        }
        Semantics::Goto { .. } => code(Kind::Ja, target()?, 0),
        Semantics::Branch {
            cond,
            width,
            source,
        } => {
            let arg = match target() {
                Ok(arg) => arg,
                Err(error) => {
                    // A fault entry after the code and the fell-off-end entry.
                    let n_code = index_of.iter().flatten().count() as u32;
                    let arg = n_code + 1 + trampolines.len() as u32;
                    trampolines.push(error);
                    arg
                }
            };
            code(branch_kind(cond, width, source), arg, imm)
        }
        Semantics::Call {
            kind: CallKind::Local,
        } => code(Kind::CallLocal, target()?, 0),
        Semantics::Call {
            kind: CallKind::Register,
        } => code(Kind::Callx, 0, 0),
        Semantics::Call {
            kind: CallKind::Helper,
        } => {
            let id = insn.imm as i32 as u32;
            let Some(helper) = interp.helpers.get(id) else {
                return Err(fail(RunErrorKind::UnknownHelper { id: id as u64 }));
            };
            let idx = match interp.called.iter().position(|(i, _)| *i == id) {
                Some(idx) => idx,
                None => {
                    interp.called.push((id, helper.clone()));
                    interp.called.len() - 1
                }
            };
            code(Kind::CallHelper, idx as u32, 0)
        }
        Semantics::Exit => code(Kind::Exit, 0, 0),
    })
}

/// The superinstruction executing `first` and then `next`, the entry after it, if there is
/// one: both must name the same `dst`, and the second half must not read through its `src`
/// the register the first half writes (so the fused code may read it before the write).
fn fuse(first: Code, next: Code) -> Option<Kind> {
    if next.dst != first.dst {
        return None;
    }
    let pair = match first.op {
        Kind::Add64Imm => latch_kind(next.op),
        Kind::Mov64Reg => mov_alu_kind(next.op),
        _ => return load_branch_kind(first.op, next.op),
    };
    match pair {
        Some((_, true)) if next.src == first.dst => None,
        Some((fused, _)) => Some(fused),
        None => None,
    }
}

/// The superinstruction for `mov dst, src` followed by the ALU operation `next` on `dst`, if
/// any, and whether `next` reads its `src` register.
fn mov_alu_kind(next: Kind) -> Option<(Kind, bool)> {
    Some(match next {
        Kind::Add64Imm => (Kind::Mov64RegAdd64Imm, false),
        Kind::Mul64Imm => (Kind::Mov64RegMul64Imm, false),
        Kind::Or64Imm => (Kind::Mov64RegOr64Imm, false),
        Kind::And64Imm => (Kind::Mov64RegAnd64Imm, false),
        Kind::Xor64Imm => (Kind::Mov64RegXor64Imm, false),
        Kind::Lsh64Imm => (Kind::Mov64RegLsh64Imm, false),
        Kind::Rsh64Imm => (Kind::Mov64RegRsh64Imm, false),
        Kind::Arsh64Imm => (Kind::Mov64RegArsh64Imm, false),
        Kind::Add64Reg => (Kind::Mov64RegAdd64Reg, true),
        Kind::Sub64Reg => (Kind::Mov64RegSub64Reg, true),
        _ => return None,
    })
}

/// The superinstruction for the load `first` followed by the conditional jump `next`, if any.
fn load_branch_kind(first: Kind, next: Kind) -> Option<Kind> {
    Some(match (first, next) {
        (Kind::LdxB, Kind::Jeq64Imm) => Kind::LdxBJeq64Imm,
        (Kind::LdxB, Kind::Jeq32Imm) => Kind::LdxBJeq32Imm,
        (Kind::LdxB, Kind::Jne64Imm) => Kind::LdxBJne64Imm,
        (Kind::LdxB, Kind::Jne32Imm) => Kind::LdxBJne32Imm,
        (Kind::LdxH, Kind::Jeq64Imm) => Kind::LdxHJeq64Imm,
        (Kind::LdxH, Kind::Jeq32Imm) => Kind::LdxHJeq32Imm,
        (Kind::LdxH, Kind::Jne64Imm) => Kind::LdxHJne64Imm,
        (Kind::LdxH, Kind::Jne32Imm) => Kind::LdxHJne32Imm,
        (Kind::LdxW, Kind::Jeq64Imm) => Kind::LdxWJeq64Imm,
        (Kind::LdxW, Kind::Jeq32Imm) => Kind::LdxWJeq32Imm,
        (Kind::LdxW, Kind::Jne64Imm) => Kind::LdxWJne64Imm,
        (Kind::LdxW, Kind::Jne32Imm) => Kind::LdxWJne32Imm,
        (Kind::LdxDw, Kind::Jeq64Imm) => Kind::LdxDwJeq64Imm,
        (Kind::LdxDw, Kind::Jeq32Imm) => Kind::LdxDwJeq32Imm,
        (Kind::LdxDw, Kind::Jne64Imm) => Kind::LdxDwJne64Imm,
        (Kind::LdxDw, Kind::Jne32Imm) => Kind::LdxDwJne32Imm,
        _ => return None,
    })
}

/// The superinstruction for `add dst, imm` followed by the conditional jump `next` on `dst`,
/// if any, and whether `next` reads its `src` register.
fn latch_kind(next: Kind) -> Option<(Kind, bool)> {
    Some(match next {
        Kind::Jeq64Imm => (Kind::Add64ImmJeq64Imm, false),
        Kind::Jeq64Reg => (Kind::Add64ImmJeq64Reg, true),
        Kind::Jne64Imm => (Kind::Add64ImmJne64Imm, false),
        Kind::Jne64Reg => (Kind::Add64ImmJne64Reg, true),
        Kind::Jgt64Imm => (Kind::Add64ImmJgt64Imm, false),
        Kind::Jgt64Reg => (Kind::Add64ImmJgt64Reg, true),
        Kind::Jge64Imm => (Kind::Add64ImmJge64Imm, false),
        Kind::Jge64Reg => (Kind::Add64ImmJge64Reg, true),
        Kind::Jlt64Imm => (Kind::Add64ImmJlt64Imm, false),
        Kind::Jlt64Reg => (Kind::Add64ImmJlt64Reg, true),
        Kind::Jle64Imm => (Kind::Add64ImmJle64Imm, false),
        Kind::Jle64Reg => (Kind::Add64ImmJle64Reg, true),
        Kind::Jsgt64Imm => (Kind::Add64ImmJsgt64Imm, false),
        Kind::Jsgt64Reg => (Kind::Add64ImmJsgt64Reg, true),
        Kind::Jsge64Imm => (Kind::Add64ImmJsge64Imm, false),
        Kind::Jsge64Reg => (Kind::Add64ImmJsge64Reg, true),
        Kind::Jslt64Imm => (Kind::Add64ImmJslt64Imm, false),
        Kind::Jslt64Reg => (Kind::Add64ImmJslt64Reg, true),
        Kind::Jsle64Imm => (Kind::Add64ImmJsle64Imm, false),
        Kind::Jsle64Reg => (Kind::Add64ImmJsle64Reg, true),
        Kind::Jset64Imm => (Kind::Add64ImmJset64Imm, false),
        Kind::Jset64Reg => (Kind::Add64ImmJset64Reg, true),
        _ => return None,
    })
}

fn pick(width: Width, w32: Kind, w64: Kind) -> Kind {
    match width {
        Width::W32 => w32,
        Width::W64 => w64,
    }
}

/// The translated operation for an ALU instruction, and its immediate (specialised for a
/// constant operand).
fn alu_kind(op: AluOp, width: Width, source: Source, imm: u64) -> (Kind, u64) {
    use Kind as K;
    let w = |w32: Kind, w64: Kind| pick(width, w32, w64);
    if source == Source::Reg {
        let kind = match op {
            AluOp::Add => w(K::Add32Reg, K::Add64Reg),
            AluOp::Sub => w(K::Sub32Reg, K::Sub64Reg),
            AluOp::Mul => w(K::Mul32Reg, K::Mul64Reg),
            AluOp::Div => w(K::Div32Reg, K::Div64Reg),
            AluOp::SDiv => w(K::SDiv32Reg, K::SDiv64Reg),
            AluOp::Or => w(K::Or32Reg, K::Or64Reg),
            AluOp::And => w(K::And32Reg, K::And64Reg),
            AluOp::Lsh => w(K::Lsh32Reg, K::Lsh64Reg),
            AluOp::Rsh => w(K::Rsh32Reg, K::Rsh64Reg),
            AluOp::Mod => w(K::Mod32Reg, K::Mod64Reg),
            AluOp::SMod => w(K::SMod32Reg, K::SMod64Reg),
            AluOp::Xor => w(K::Xor32Reg, K::Xor64Reg),
            AluOp::Mov => w(K::Mov32Reg, K::Mov64Reg),
            AluOp::Arsh => w(K::Arsh32Reg, K::Arsh64Reg),
        };
        return (kind, 0);
    }
    // The operand as the operation sees it: 32-bit operations use the low half.
    let operand = match width {
        Width::W32 => imm as u32 as u64,
        Width::W64 => imm,
    };
    let shift_mask = match width {
        Width::W32 => 31,
        Width::W64 => 63,
    };
    // `dst` zero-extended in place (32-bit) or left alone (64-bit).
    let unchanged = w(K::Mov32Reg, K::Nop);
    match op {
        AluOp::Add => (w(K::Add32Imm, K::Add64Imm), operand),
        AluOp::Sub => (w(K::Add32Imm, K::Add64Imm), operand.wrapping_neg()),
        AluOp::Mul => (w(K::Mul32Imm, K::Mul64Imm), operand),
        AluOp::Div | AluOp::SDiv if operand == 0 => (K::Mov64Imm, 0),
        AluOp::Div => (w(K::Div32Imm, K::Div64Imm), operand),
        AluOp::SDiv => (w(K::SDiv32Imm, K::SDiv64Imm), operand),
        AluOp::Or => (w(K::Or32Imm, K::Or64Imm), operand),
        AluOp::And => (w(K::And32Imm, K::And64Imm), operand),
        AluOp::Lsh => (w(K::Lsh32Imm, K::Lsh64Imm), operand & shift_mask),
        AluOp::Rsh => (w(K::Rsh32Imm, K::Rsh64Imm), operand & shift_mask),
        AluOp::Arsh => (w(K::Arsh32Imm, K::Arsh64Imm), operand & shift_mask),
        AluOp::Mod | AluOp::SMod if operand == 0 => (unchanged, 0),
        AluOp::Mod => (w(K::Mod32Imm, K::Mod64Imm), operand),
        AluOp::SMod => (w(K::SMod32Imm, K::SMod64Imm), operand),
        AluOp::Xor => (w(K::Xor32Imm, K::Xor64Imm), operand),
        AluOp::Mov => (K::Mov64Imm, operand),
    }
}

/// The translated operation for a conditional jump.
fn branch_kind(cond: Cond, width: Width, source: Source) -> Kind {
    use Kind as K;
    let k = |w32_imm, w32_reg, w64_imm, w64_reg| match (width, source) {
        (Width::W32, Source::Imm) => w32_imm,
        (Width::W32, Source::Reg) => w32_reg,
        (Width::W64, Source::Imm) => w64_imm,
        (Width::W64, Source::Reg) => w64_reg,
    };
    match cond {
        Cond::Eq => k(K::Jeq32Imm, K::Jeq32Reg, K::Jeq64Imm, K::Jeq64Reg),
        Cond::Gt => k(K::Jgt32Imm, K::Jgt32Reg, K::Jgt64Imm, K::Jgt64Reg),
        Cond::Ge => k(K::Jge32Imm, K::Jge32Reg, K::Jge64Imm, K::Jge64Reg),
        Cond::Set => k(K::Jset32Imm, K::Jset32Reg, K::Jset64Imm, K::Jset64Reg),
        Cond::Ne => k(K::Jne32Imm, K::Jne32Reg, K::Jne64Imm, K::Jne64Reg),
        Cond::SGt => k(K::Jsgt32Imm, K::Jsgt32Reg, K::Jsgt64Imm, K::Jsgt64Reg),
        Cond::SGe => k(K::Jsge32Imm, K::Jsge32Reg, K::Jsge64Imm, K::Jsge64Reg),
        Cond::Lt => k(K::Jlt32Imm, K::Jlt32Reg, K::Jlt64Imm, K::Jlt64Reg),
        Cond::Le => k(K::Jle32Imm, K::Jle32Reg, K::Jle64Imm, K::Jle64Reg),
        Cond::SLt => k(K::Jslt32Imm, K::Jslt32Reg, K::Jslt64Imm, K::Jslt64Reg),
        Cond::SLe => k(K::Jsle32Imm, K::Jsle32Reg, K::Jsle64Imm, K::Jsle64Reg),
    }
}

/// How many stack frames a run can need: 1 for the main function plus the longest chain of
/// local calls, at most [`MAX_FRAMES`] (also when the calls recurse). Only an allocation
/// size: the interpreter checks the depth at every local call, so an underestimate could
/// only cause a spurious `CallDepthExceeded`, never an access outside the stack.
fn call_frames(insns: &[Insn]) -> usize {
    // The functions called from each function start, found by walking its body.
    let callees = |start: usize| -> Vec<usize> {
        let mut seen = vec![false; insns.len()];
        let mut work = vec![start];
        let mut callees = Vec::new();
        while let Some(slot) = work.pop() {
            if slot >= insns.len() || seen[slot] || insns[slot].is_lddw_tail() {
                continue;
            }
            seen[slot] = true;
            let insn = insns[slot];
            let target = insn.jump_target(slot).and_then(|t| usize::try_from(t).ok());
            let next = slot + insn.n_slots();
            match insn.semantics() {
                Semantics::Exit => {}
                Semantics::Goto { .. } => work.extend(target),
                Semantics::Branch { .. } => {
                    work.extend(target);
                    work.push(next);
                }
                Semantics::Call {
                    kind: CallKind::Local,
                } => {
                    callees.extend(target);
                    work.push(next);
                }
                _ => work.push(next),
            }
        }
        callees
    };
    // The longest chain of functions from each function (itself included), memoised, so
    // that the walk is linear in the call graph; a cycle (which the verifier rejects) counts
    // as the limit.
    // Recursion stops at the limit (a deeper chain, which the verifier rejects, counts as
    // the limit too).
    fn chain(
        func: usize,
        depth: usize,
        callees: &dyn Fn(usize) -> Vec<usize>,
        memo: &mut std::collections::HashMap<usize, Option<usize>>,
    ) -> usize {
        if depth >= MAX_FRAMES {
            return MAX_FRAMES;
        }
        match memo.get(&func) {
            Some(Some(length)) => return *length,
            Some(None) => return MAX_FRAMES,
            None => {}
        }
        memo.insert(func, None);
        let mut called = callees(func);
        called.sort_unstable();
        called.dedup();
        let length = called
            .into_iter()
            .map(|callee| chain(callee, depth + 1, callees, memo).saturating_add(1))
            .max()
            .unwrap_or(1)
            .min(MAX_FRAMES);
        memo.insert(func, Some(length));
        length
    }
    let mut memo = std::collections::HashMap::new();
    chain(0, 0, &callees, &mut memo).clamp(1, MAX_FRAMES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringfence_isa::Op;

    #[test]
    fn every_op_translates_without_a_fault() {
        for info in ringfence_isa::TABLE {
            let op: Op = info.op;
            // Helper 5 exists; local calls and jumps go to the next instruction.
            let imm = match op {
                Op::Call => 5,
                Op::CallLocal | Op::Gotol => 0,
                _ => 3,
            };
            let insn = Insn::new(op).dst(1).src(2).imm(imm);
            let mut insns = vec![insn];
            if matches!(op.semantics(), Semantics::LoadImm64 { .. }) {
                insns.push(Insn::lddw_tail_of(insn));
            }
            insns.push(Insn::new(Op::Exit));
            let interp = translate(&insns, &Helpers::conformance(), &Maps::default());
            let is_map_reference = matches!(op, Op::LddwMapFd | Op::LddwMapValue);
            assert_eq!(
                interp.code[0].op == Kind::Fault,
                is_map_reference,
                "{op:?} translates to {:?}",
                interp.code[0]
            );
            assert_eq!(interp.n_insns(), 2, "{op:?}");
        }
    }

    #[test]
    fn pairs_fuse_into_superinstructions() {
        let kinds = |source: &str| -> Vec<Kind> {
            let program = ringfence_isa::assemble("t.s", source).unwrap();
            let interp = translate(&program.insns, &Helpers::new(), &Maps::default());
            interp.code[..interp.n_code].iter().map(|c| c.op).collect()
        };
        assert_eq!(
            kinds("l:\nadd %r3, 1\njlt %r3, 7, l\nexit")[..2],
            [Kind::Add64ImmJlt64Imm, Kind::Jlt64Imm]
        );
        assert_eq!(
            kinds("l:\nadd %r3, 1\njlt %r3, %r2, l\nexit")[0],
            Kind::Add64ImmJlt64Reg
        );
        // The jump compares with the register the add wrote: not fused.
        assert_eq!(
            kinds("l:\nadd %r3, 1\njlt %r2, %r3, l\nexit")[0],
            Kind::Add64Imm
        );
        assert_eq!(
            kinds("l:\nadd %r3, 1\njlt %r3, %r3, l\nexit")[0],
            Kind::Add64Imm
        );
        assert_eq!(
            kinds("ldxb %r2, [%r1]\njeq32 %r2, 47, +0\nexit")[0],
            Kind::LdxBJeq32Imm
        );
        assert_eq!(
            kinds("ldxb %r2, [%r1]\njeq %r3, 47, +0\nexit")[0],
            Kind::LdxB
        );
        assert_eq!(
            kinds("mov %r4, %r1\nadd %r4, %r3\nexit")[0],
            Kind::Mov64RegAdd64Reg
        );
        assert_eq!(kinds("mov %r4, %r1\nadd %r4, %r4\nexit")[0], Kind::Mov64Reg);
        assert_eq!(
            kinds("mov %r4, %r1\nsub %r4, 8\nexit")[0],
            Kind::Mov64RegAdd64Imm
        );
    }

    #[test]
    fn code_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Code>(), 16);
    }
}
