//! The run side of the JIT: the context compiled code receives (its layout is part of the
//! code's contract, see the `OFFSET_*` constants), one run from start to result, and the
//! `extern "C"` trampolines compiled code calls back into:
//!
//! - [`call_helper`] looks the helper up in the same [`Helpers`] registry the interpreter
//!   uses (a dense table for small numbers, built at compile time), gives it the run's
//!   [`Memory`] (built on first use, its stack window set from the caller's `r10`) and turns
//!   `Unwind` or a failure into the context's status, so the compiled code returns early.
//! - [`call_rf_site`] answers a specialised call site ([`super::sites`]) from its pattern
//!   when the call is the one the site was compiled for, and otherwise is [`call_helper`].
//! - [`check_access`] (checked mode only) asks [`Memory`] about an access the inline checks
//!   did not cover, and records the interpreter's exact [`RunError`] when it is refused.
//!
//! A panicking helper is caught in the trampoline (unwinding through compiled code is not
//! allowed), the run ends, and the panic resumes in the caller of `run`.

use std::any::Any;
use std::mem::{offset_of, MaybeUninit};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use ringfence_verifier::ProgramType;

use super::sites::RfSite;
use super::{JitProgram, STACK_PER_FRAME};
use crate::error::{RunError, RunErrorKind};
use crate::helpers::{Helper, HelperError, Helpers, RunState as HelperState};
use crate::maps::{MapValueReturns, Maps};
use crate::memory::{Access, Memory, MemoryBuffers, MemoryRegion, RegionKind};
use crate::rf_helpers::direct::{EventRegions, FrozenRegion, RfBound};

/// `RunContext::status` while the program runs.
pub(crate) const STATUS_RUNNING: u64 = 0;
/// A helper unwound: the result is `RunContext::return_value`.
pub(crate) const STATUS_UNWOUND: u64 = 1;
/// The run faulted: the error is in the run state, or described by the `fault_*` fields.
pub(crate) const STATUS_FAULTED: u64 = 2;
/// `RunContext::fault_code` for an exhausted budget: `fault_insn` is the first slot of the
/// block and `fault_arg` the number of its instructions the budget still covered.
pub(crate) const FAULT_BUDGET: u64 = u64::MAX;

/// The access kinds `check_access` receives in bits 8 and up of its `size_kind` argument.
pub(crate) const ACCESS_READ: u64 = 0;
pub(crate) const ACCESS_WRITE: u64 = 1;
/// An atomic read-modify-write: checked as a write, as the interpreter does.
pub(crate) const ACCESS_ATOMIC: u64 = 2;

/// What compiled code reads and writes during one run. `repr(C)`: the code addresses the
/// fields by the `OFFSET_*` constants below.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct RunContext {
    /// The lowest address of the stack buffer.
    pub stack_bottom: u64,
    /// One past the highest address of the stack buffer: `r10` of the main function.
    pub stack_top: u64,
    /// The first region (checked inline in checked mode): base, length, writable (0 or 1).
    pub region0_base: u64,
    pub region0_len: u64,
    pub region0_writable: u64,
    /// Checked mode: instructions left (kept in a register, stored around calls).
    pub budget: u64,
    /// `STATUS_*`.
    pub status: u64,
    /// The `r0` an unwinding helper chose.
    pub return_value: u64,
    /// A fault the compiled code raised itself: an index into the program's static faults
    /// plus one, or `FAULT_BUDGET`; 0 when the error is in the run state.
    pub fault_code: u64,
    pub fault_insn: u64,
    pub fault_arg: u64,
    /// An event run: the bounds of the event's data area, which code compiled inline for a
    /// string helper compares with the context's `data` and `data_end` before trusting them
    /// (0 and 0 in other runs).
    pub event_data: u64,
    pub event_data_end: u64,
    /// An event run: `r1` at entry, the context copy that the program's entry contract
    /// prepared ([`NO_EVENT_CONTEXT`] in other runs). Its `data` and `data_end` fields are
    /// `event_data` and `event_data_end`, and nothing can change them during the run (the
    /// verifier lets no store, atomic or helper write them): the sites compiled inline
    /// check that their `r1` is this context, then trust it (`sites::InlineMatch`).
    pub event_context: u64,
    /// The run state (`*mut RunState<'_, '_>`), opaque to compiled code.
    state: *mut (),
    // The fields below are written by the compiled code before anything reads them, so a
    // run starts with them uninitialised: no run pays for zeroing 150 bytes it may never use.
    /// Registers passed between caller and callee of a local call.
    pub scratch: MaybeUninit<[u64; 11]>,
    /// `r1`-`r5` of a helper call, stored by the compiled code before it calls
    /// [`call_helper`] (fewer arguments make the call and its register allocation cheaper).
    pub helper_args: MaybeUninit<[u64; 5]>,
    /// The number of the helper of that call and the index of its instruction, stored with
    /// `helper_args`.
    pub helper_id: MaybeUninit<u64>,
    pub helper_insn: MaybeUninit<u64>,
}

pub(crate) const OFFSET_STACK_BOTTOM: i32 = offset_of!(RunContext, stack_bottom) as i32;
pub(crate) const OFFSET_STACK_TOP: i32 = offset_of!(RunContext, stack_top) as i32;
pub(crate) const OFFSET_REGION0_BASE: i32 = offset_of!(RunContext, region0_base) as i32;
pub(crate) const OFFSET_REGION0_LEN: i32 = offset_of!(RunContext, region0_len) as i32;
pub(crate) const OFFSET_REGION0_WRITABLE: i32 = offset_of!(RunContext, region0_writable) as i32;
pub(crate) const OFFSET_BUDGET: i32 = offset_of!(RunContext, budget) as i32;
pub(crate) const OFFSET_STATUS: i32 = offset_of!(RunContext, status) as i32;
pub(crate) const OFFSET_FAULT_CODE: i32 = offset_of!(RunContext, fault_code) as i32;
pub(crate) const OFFSET_FAULT_INSN: i32 = offset_of!(RunContext, fault_insn) as i32;
pub(crate) const OFFSET_FAULT_ARG: i32 = offset_of!(RunContext, fault_arg) as i32;
pub(crate) const OFFSET_EVENT_DATA: i32 = offset_of!(RunContext, event_data) as i32;
pub(crate) const OFFSET_EVENT_DATA_END: i32 = offset_of!(RunContext, event_data_end) as i32;
pub(crate) const OFFSET_EVENT_CONTEXT: i32 = offset_of!(RunContext, event_context) as i32;

/// [`RunContext::event_context`] outside event runs: never a context's address (contexts
/// are 16-aligned).
pub(crate) const NO_EVENT_CONTEXT: u64 = u64::MAX;
pub(crate) const OFFSET_SCRATCH: i32 = offset_of!(RunContext, scratch) as i32;
pub(crate) const OFFSET_HELPER_ARGS: i32 = offset_of!(RunContext, helper_args) as i32;
pub(crate) const OFFSET_HELPER_ID: i32 = offset_of!(RunContext, helper_id) as i32;
pub(crate) const OFFSET_HELPER_INSN: i32 = offset_of!(RunContext, helper_insn) as i32;

impl RunContext {
    /// The context of a run that starts now: the stack `(bottom, top)`, the first region
    /// `(base, len, writable)`, the whole budget, and `state` for the trampolines.
    fn new(
        program: &JitProgram,
        (stack_bottom, stack_top): (u64, u64),
        (region0_base, region0_len, region0_writable): (u64, u64, u64),
        state: *mut (),
    ) -> RunContext {
        let mut ctx = RunContext {
            stack_bottom,
            stack_top,
            region0_base,
            region0_len,
            region0_writable,
            budget: program.config.max_insns,
            status: STATUS_RUNNING,
            return_value: 0,
            fault_code: 0,
            fault_insn: 0,
            fault_arg: 0,
            event_data: 0,
            event_data_end: 0,
            event_context: NO_EVENT_CONTEXT,
            state,
            scratch: MaybeUninit::uninit(),
            helper_args: MaybeUninit::uninit(),
            helper_id: MaybeUninit::uninit(),
            helper_insn: MaybeUninit::uninit(),
        };
        if program.entry_is_called {
            // The entry reads its registers from here when it is also a local call's
            // target (`JitProgram::entry_is_called`): a run starts them at 0.
            ctx.scratch.write([0; 11]);
        }
        ctx
    }

    /// The result of a run of code that calls no trampoline, which returned `r0`.
    #[inline]
    fn result_without_runtime(&self, program: &JitProgram, r0: u64) -> Result<u64, RunError> {
        match self.status {
            STATUS_RUNNING => Ok(r0),
            // Only a helper unwinds; any other status is a fault the code raised itself.
            _ => Err(program.static_fault(self.fault_code, self.fault_insn, self.fault_arg)),
        }
    }
}

/// The helpers of a compiled program: a dense table for numbers below [`DENSE_LIMIT`], the
/// registry for the rest (`callx` may name any number).
#[derive(Clone, Debug)]
pub(crate) struct HelperTable {
    dense: Vec<Option<Helper>>,
    registry: Helpers,
    /// The check of the results of helpers returning a map value, after each call (see
    /// [`HelperTable::check_returns`]).
    map_value_returns: MapValueReturns,
    /// Plain copies of the program's maps that never change, for the rf_* helpers' direct
    /// calls (see `rf_helpers::direct::frozen_regions`).
    frozen: Vec<FrozenRegion>,
}

const DENSE_LIMIT: u32 = 1024;

impl HelperTable {
    /// The table of `helpers`, with `frozen`, the plain copies of the program's maps that
    /// never change.
    pub(crate) fn new(helpers: Helpers, frozen: Vec<FrozenRegion>) -> HelperTable {
        let ids = helpers.ids();
        let dense_len = ids
            .iter()
            .filter(|&&id| id < DENSE_LIMIT)
            .max()
            .map_or(0, |&id| id as usize + 1);
        // One lookup per registered helper, not one per number below the limit.
        let mut dense = vec![None; dense_len];
        for &id in ids.iter().filter(|&&id| id < DENSE_LIMIT) {
            dense[id as usize] = helpers.get(id).cloned();
        }
        HelperTable {
            dense,
            registry: helpers,
            map_value_returns: MapValueReturns::default(),
            frozen,
        }
    }

    /// Checks the result of every helper `prog_type` declares as returning a map value
    /// against `maps` ([`MapValueReturns`]): a helper that returned anything but 0 or the
    /// start of a value of its map would let the unchecked code access memory out of bounds.
    pub(crate) fn check_returns(&mut self, prog_type: &ProgramType, maps: &Maps) {
        self.map_value_returns = MapValueReturns::new(prog_type, maps);
    }

    /// Whether `value`, returned by helper `id` called with `args`, is what its signature
    /// promises; the reason if not.
    #[inline]
    fn check_return(&self, id: u64, value: u64, args: &[u64; 5]) -> Result<(), String> {
        self.map_value_returns.check(id, value, args)
    }

    #[inline]
    fn get(&self, id: u64) -> Option<&Helper> {
        match usize::try_from(id).ok().and_then(|idx| self.dense.get(idx)) {
            Some(entry) => entry.as_ref(),
            None => u32::try_from(id).ok().and_then(|id| self.registry.get(id)),
        }
    }
}

/// The regions of a run besides the stack and the maps, before [`Memory`] is built from them
/// (it is built only when a helper or a checked access needs it).
#[derive(Debug)]
pub(crate) enum PendingRegions<'a> {
    /// One read+write region.
    One(RegionKind, &'a mut [u8]),
    Many(Vec<MemoryRegion<'a>>),
    /// An event: the context (the run's own copy, writable if the program type lets the
    /// program write a field) and its data area (read-only).
    Context {
        context: &'a mut [u8],
        writable: bool,
        data: &'a [u8],
    },
}

impl PendingRegions<'_> {
    /// The event's context ([`NO_EVENT_CONTEXT`] for other regions).
    #[inline]
    fn event_context(&self) -> u64 {
        match self {
            PendingRegions::Context { context, .. } => context.as_ptr() as u64,
            _ => NO_EVENT_CONTEXT,
        }
    }

    /// The start and end of an event's data area (0 and 0 for other regions).
    #[inline]
    fn event_data(&self) -> (u64, u64) {
        match self {
            PendingRegions::Context { data, .. } => {
                let start = data.as_ptr() as u64;
                (start, start + data.len() as u64)
            }
            _ => (0, 0),
        }
    }

    /// Base, length and writability of the first region (0, 0, 0 without one).
    #[inline]
    fn first(&self) -> (u64, u64, u64) {
        match self {
            PendingRegions::One(_, bytes) => (bytes.as_ptr() as u64, bytes.len() as u64, 1),
            PendingRegions::Many(regions) => regions.first().map_or((0, 0, 0), |region| {
                let region = region.region();
                (region.base, region.len, region.writable as u64)
            }),
            PendingRegions::Context {
                context, writable, ..
            } => (
                context.as_ptr() as u64,
                context.len() as u64,
                *writable as u64,
            ),
        }
    }
}

/// Everything of a run the compiled code does not see.
struct RunState<'a, 'b> {
    helpers: &'a HelperTable,
    /// The vectors the helpers' memory is built in, lent by the caller for the run (moved
    /// out only if the memory is built, and given back after the run).
    buffers: &'b mut MemoryBuffers,
    /// What `memory` is built from, until it is.
    pending: Option<Pending<'a>>,
    memory: Option<Memory<'a>>,
    stack_top: u64,
    error: Option<RunError>,
    panic: Option<Box<dyn Any + Send>>,
}

/// The parts of the helpers' [`Memory`] before it is built.
struct Pending<'a> {
    stack: &'a mut [u8],
    regions: PendingRegions<'a>,
    maps: &'a Maps,
    state: Option<&'a mut HelperState>,
}

/// A one-frame stack kept on the native stack, for programs without local calls.
#[repr(C, align(16))]
struct InlineFrame([u8; STACK_PER_FRAME]);

/// Runs `program` on the `mem` buffer (`args` point to it) over a fresh zeroed stack.
#[inline]
pub(crate) fn run_mem(
    program: &JitProgram,
    args: [u64; 5],
    mem: &mut [u8],
) -> Result<u64, RunError> {
    if !program.calls_runtime && program.n_frames <= 1 {
        return run_leaf_mem(program, args, mem);
    }
    run_mem_with_runtime(program, args, mem)
}

/// [`run_mem`] for code with helper calls, checks or local calls.
#[inline(never)]
fn run_mem_with_runtime(
    program: &JitProgram,
    args: [u64; 5],
    mem: &mut [u8],
) -> Result<u64, RunError> {
    let n_frames = program.n_frames;
    let mut inline_frame;
    let mut heap_frames;
    let stack: &mut [u8] = if n_frames <= 1 {
        inline_frame = InlineFrame([0; STACK_PER_FRAME]);
        &mut inline_frame.0
    } else {
        heap_frames = vec![0u8; n_frames * STACK_PER_FRAME];
        &mut heap_frames
    };
    let mut buffers = MemoryBuffers::default();
    run(
        program,
        args,
        stack,
        PendingRegions::One(RegionKind::Input, mem),
        &mut buffers,
        None,
    )
}

/// [`run_mem`] for code that never calls back into the runtime and has one frame (most
/// `mem` programs): the frame is on the native stack and only the bytes the program can
/// write are zeroed (`JitProgram::stack_zeroed`; all of them for code compiled in checked
/// mode or from instructions), the least fixed cost a run can have.
#[inline]
fn run_leaf_mem(program: &JitProgram, args: [u64; 5], mem: &mut [u8]) -> Result<u64, RunError> {
    let mut frame = MaybeUninit::<InlineFrame>::uninit();
    let bottom = frame.as_mut_ptr().cast::<u8>();
    let zeroed = program.stack_zeroed.min(STACK_PER_FRAME);
    let top = bottom.wrapping_add(STACK_PER_FRAME);
    if zeroed > 0 {
        // SAFETY: `top - zeroed .. top` lies inside `frame` (`zeroed` is at most its size),
        // which is ours for the whole function.
        unsafe { top.sub(zeroed).write_bytes(0, zeroed) };
    }
    let (bottom, top) = (bottom as u64, top as u64);
    let mut ctx = RunContext::new(
        program,
        (bottom, top),
        (mem.as_ptr() as u64, mem.len() as u64, 1),
        std::ptr::null_mut(),
    );
    // SAFETY: as in `run_without_runtime`, with `frame` as the stack: the code reads no
    // stack byte below `top - zeroed`, which it cannot have written (the verifier's stack
    // usage bounds the bytes a verified program touches; other code gets a fully zeroed
    // frame), so nothing uninitialised is read; `mem` is borrowed mutably for the whole
    // call. `calls_runtime` is false, so the null `state` is never dereferenced.
    let r0 = unsafe { program.code.call(&mut ctx, top, args) };
    ctx.result_without_runtime(program, r0)
}

/// Runs `program` with `r1`-`r5 = args` over `stack` (zeroed, `n_frames` frames) and
/// `regions`, the program's maps and `state` for the helpers. The helpers' [`Memory`] is
/// built in `buffers` when first needed, and its vectors go back there after the run.
/// [`run`] for code that never calls back into the runtime (no helper call, unchecked): no
/// helper state to build, hand over and drop, which is most of the fixed cost of a short run.
/// `stack` and `regions` stay borrowed by the caller for the whole call.
fn run_without_runtime(
    program: &JitProgram,
    args: [u64; 5],
    stack: &mut [u8],
    region0: (u64, u64, u64),
) -> Result<u64, RunError> {
    let stack_bottom = stack.as_mut_ptr() as u64;
    let stack_top = stack_bottom + stack.len() as u64;
    // `state` is never read: only the trampolines read it, and this code calls none.
    let mut ctx = RunContext::new(
        program,
        (stack_bottom, stack_top),
        region0,
        std::ptr::null_mut(),
    );
    // SAFETY: as in `run`: `ctx` is prepared for `program` and lives on this frame for the
    // whole call; the stack and the regions are borrowed by our caller (`run`, which holds
    // them until we return), and `program` keeps its maps alive, so every address the
    // program can reach stays valid and nothing else touches those bytes during the call.
    // The accesses stay inside them by the same argument as in `run` (an unchecked program
    // was verified against the entry contract the caller checked, or promised by the
    // caller of `compile_unverified`). `calls_runtime` is false, so the code contains no
    // call to a trampoline and the null `state` is never dereferenced.
    let r0 = unsafe { program.code.call(&mut ctx, stack_top, args) };
    ctx.result_without_runtime(program, r0)
}

#[inline]
pub(crate) fn run<'a>(
    program: &'a JitProgram,
    args: [u64; 5],
    stack: &'a mut [u8],
    regions: PendingRegions<'a>,
    buffers: &mut MemoryBuffers,
    state: Option<&'a mut HelperState>,
) -> Result<u64, RunError> {
    // Read here, where the caller's kind of regions is known (this is inlined), rather than
    // matched on at every run.
    let entry = RegionsAtEntry {
        first: regions.first(),
        event_data: regions.event_data(),
        event_context: regions.event_context(),
    };
    run_with_entry(program, args, stack, (regions, entry), buffers, state)
}

/// What the run context shows of a run's regions: the first region (base, length,
/// writable), an event's data area (start, end) and its context.
#[derive(Clone, Copy)]
struct RegionsAtEntry {
    first: (u64, u64, u64),
    event_data: (u64, u64),
    event_context: u64,
}

fn run_with_entry<'a>(
    program: &'a JitProgram,
    args: [u64; 5],
    stack: &'a mut [u8],
    (regions, entry): (PendingRegions<'a>, RegionsAtEntry),
    buffers: &mut MemoryBuffers,
    state: Option<&'a mut HelperState>,
) -> Result<u64, RunError> {
    if !program.calls_runtime {
        return run_without_runtime(program, args, stack, entry.first);
    }
    let stack_bottom = stack.as_mut_ptr() as u64;
    let stack_top = stack_bottom + stack.len() as u64;
    let region0 = entry.first;
    let (event_data, event_data_end) = entry.event_data;
    let mut run = RunState {
        helpers: &program.helpers,
        pending: Some(Pending {
            stack,
            regions,
            maps: &program.maps,
            state,
        }),
        buffers,
        memory: None,
        stack_top,
        error: None,
        panic: None,
    };
    let mut ctx = RunContext::new(
        program,
        (stack_bottom, stack_top),
        region0,
        (&mut run as *mut RunState<'_, '_>).cast(),
    );
    (ctx.event_data, ctx.event_data_end) = (event_data, event_data_end);
    ctx.event_context = entry.event_context;
    // SAFETY: `ctx` is a context prepared for `program` and lives on this frame for the whole
    // call; `run`, which it points to, owns the borrows of the stack and of every region
    // and outlives the call, and `program` (borrowed for as long) keeps the maps alive, so
    // every address the program can reach stays valid. Nothing else touches `ctx`, `run` or
    // those bytes until the call returns (the trampolines reach them only through `ctx`,
    // from inside the call). Whether the accesses stay inside those bytes is checked (checked
    // mode), was checked against the verifier's entry contract by the caller (`run_mem`,
    // `run_context` of a program compiled from a `VerifiedProgram`) or was promised by the
    // caller of `JitProgram::compile_unverified`.
    let r0 = unsafe { program.code.call(&mut ctx, stack_top, args) };
    // Keep the vectors of the helpers' memory for the next run.
    if let Some(memory) = run.memory.take() {
        *run.buffers = memory.into_buffers();
    }
    if let Some(payload) = run.panic.take() {
        resume_unwind(payload);
    }
    match ctx.status {
        STATUS_RUNNING => Ok(r0),
        STATUS_UNWOUND => Ok(ctx.return_value),
        _ => Err(run.error.take().unwrap_or_else(|| {
            program.static_fault(ctx.fault_code, ctx.fault_insn, ctx.fault_arg)
        })),
    }
}

impl<'a> RunState<'a, '_> {
    /// The run's memory, built on first use, with the stack window of the frame whose `r10`
    /// is `fp` (the interpreter shows frames 0 to the current depth).
    fn memory(&mut self, fp: u64) -> &mut Memory<'a> {
        let (pending, buffers) = (&mut self.pending, &mut *self.buffers);
        let memory = self.memory.get_or_insert_with(|| match pending.take() {
            Some(pending) => build_memory(pending, std::mem::take(buffers)),
            // `pending` is taken only here, when `memory` is set.
            None => Memory::new(Vec::new()),
        });
        let depth = (self.stack_top.wrapping_sub(fp) / STACK_PER_FRAME as u64) as usize;
        memory.set_stack_depth(depth);
        memory
    }

    /// Calls an rf_* helper directly on the regions of an event run, before [`Memory`] is
    /// built; `None` when it is built, the run is no event run, or the helper reads outside
    /// the regions (then the caller takes the checked path).
    #[inline]
    fn call_direct(
        &mut self,
        direct: &RfBound,
        fp: u64,
        args: [u64; 5],
    ) -> Option<Result<u64, HelperError>> {
        let Pending {
            stack,
            regions,
            maps,
            state,
            ..
        } = self.pending.as_mut()?;
        let PendingRegions::Context { context, data, .. } = regions else {
            return None;
        };
        // The frames `Memory::set_stack_depth` would show for this `fp`.
        let depth = self.stack_top.wrapping_sub(fp) / STACK_PER_FRAME as u64;
        let live =
            usize::try_from(depth.checked_add(1)?.checked_mul(STACK_PER_FRAME as u64)?).ok()?;
        let stack = stack.get(stack.len().checked_sub(live)?..)?;
        let regions = EventRegions {
            stack,
            context,
            data,
            maps,
            frozen: &self.helpers.frozen,
        };
        direct.call_direct(&regions, args, state.as_deref_mut())
    }

    /// The answer of a specialised call site: `None` when `args` are not the ones it was
    /// built for, the run is no event run, the general memory view was built (another
    /// helper needed it; the generic path then answers from it), or the helper would fail
    /// (the generic path then reports it).
    #[inline]
    fn call_site(&self, site: &RfSite, args: [u64; 5]) -> Option<u64> {
        let mem = site.pattern_for(&args)?;
        let Pending {
            regions: PendingRegions::Context { context, data, .. },
            ..
        } = self.pending.as_ref()?
        else {
            return None;
        };
        site.bound.call_element_test(context, data, args, mem)
    }

    fn fail(&mut self, ctx: &mut RunContext, insn_idx: u64, kind: RunErrorKind) {
        self.error = Some(RunError {
            insn_idx: insn_idx as usize,
            kind,
        });
        ctx.status = STATUS_FAULTED;
    }

    fn call_helper(
        &mut self,
        ctx: &mut RunContext,
        insn_idx: u64,
        id: u64,
        fp: u64,
        args: [u64; 5],
    ) -> u64 {
        let helpers = self.helpers;
        let Some(helper) = helpers.get(id) else {
            self.fail(ctx, insn_idx, RunErrorKind::UnknownHelper { id });
            return 0;
        };
        // The rf_* helpers of an event run answer from the run's slices while no other helper
        // has needed the general memory view (their answer is the checked helper's).
        let direct = helper
            .direct()
            .and_then(|direct| self.call_direct(direct, fp, args));
        let result = match direct {
            Some(result) => result,
            None => helper.call(self.memory(fp), args),
        };
        match result {
            Ok(value) => match helpers.check_return(id, value, &args) {
                Ok(()) => value,
                Err(message) => {
                    self.helper_failed(ctx, insn_idx, (id, helper), HelperError::Failed(message))
                }
            },
            Err(error) => self.helper_failed(ctx, insn_idx, (id, helper), error),
        }
    }

    /// Ends the run after helper `id` of the instruction at `insn_idx` returned `error`: an
    /// unwind sets the result, anything else the fault. Returns the `r0` the code gets.
    #[cold]
    #[inline(never)]
    fn helper_failed(
        &mut self,
        ctx: &mut RunContext,
        insn_idx: u64,
        (id, helper): (u64, &Helper),
        error: HelperError,
    ) -> u64 {
        match error {
            HelperError::Unwind(value) => {
                ctx.return_value = value;
                ctx.status = STATUS_UNWOUND;
            }
            HelperError::Memory(fault) => self.fail(ctx, insn_idx, fault.into()),
            HelperError::Failed(message) => self.fail(
                ctx,
                insn_idx,
                RunErrorKind::HelperFailed {
                    id: id as u32,
                    name: helper.name,
                    message,
                },
            ),
        }
        0
    }

    fn check_access(
        &mut self,
        ctx: &mut RunContext,
        insn_idx: u64,
        addr: u64,
        size_kind: u64,
        fp: u64,
    ) -> u64 {
        let size = size_kind & 0xff;
        let memory = self.memory(fp);
        // An atomic needs write permission even when it does not write (a failed cmpxchg),
        // as in the interpreter.
        let access = match size_kind >> 8 {
            ACCESS_READ => Access::Read,
            _ => Access::Write,
        };
        let result = memory.check(addr, size, access);
        match result {
            Ok(()) => 0,
            Err(fault) => {
                self.fail(ctx, insn_idx, fault.into());
                1
            }
        }
    }
}

/// Calls helper `helper_id` for the instruction at `helper_insn` with `r1`-`r5 =
/// helper_args` (all three stored in the context by the compiled code), from a frame whose
/// `r10` is `fp`. Returns `r0`; on unwind or failure sets the context's status.
pub(crate) extern "C" fn call_helper(ctx: *mut RunContext, fp: u64) -> u64 {
    // SAFETY: compiled code passes the context pointer `run` gave it: a live, exclusive
    // `RunContext` on `run`'s frame (suspended in the call to the compiled code, so nothing
    // else accesses it while this trampoline runs).
    let ctx = unsafe { &mut *ctx };
    // SAFETY: `ctx.state` was set by `run` to its live `RunState`, which only trampolines
    // access during the run, one at a time on this thread.
    let state = unsafe { &mut *ctx.state.cast::<RunState<'_, '_>>() };
    // SAFETY: the compiled code stores all three before every call of this trampoline.
    let (args, id, insn_idx) = unsafe {
        (
            ctx.helper_args.assume_init(),
            ctx.helper_id.assume_init(),
            ctx.helper_insn.assume_init(),
        )
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        state.call_helper(ctx, insn_idx, id, fp, args)
    }));
    outcome.unwrap_or_else(|payload| {
        state.panic = Some(payload);
        ctx.status = STATUS_FAULTED;
        0
    })
}

/// Calls the helper of a specialised call site `site` (see [`super::sites`]), with the
/// arguments stored in the context as for [`call_helper`]: answers from the site's pattern
/// when the call's arguments are the site's and the run is an event run whose regions the
/// helper can still see directly; otherwise (and if anything fails) takes [`call_helper`].
pub(crate) extern "C" fn call_rf_site(ctx: *mut RunContext, fp: u64, site: *const RfSite) -> u64 {
    {
        // SAFETY: as in `call_helper`: the live, exclusive context `run` passed to the code.
        let ctx = unsafe { &mut *ctx };
        // SAFETY: the compiled code passes the address of one of its program's sites
        // (`JitProgram::sites`), which the program keeps for as long as its code runs.
        let site = unsafe { &*site };
        // SAFETY: as in `call_helper`: `run`'s live run state, reached only from here.
        let state = unsafe { &*ctx.state.cast::<RunState<'_, '_>>() };
        // SAFETY: the compiled code stores the arguments before every call of a trampoline.
        let args = unsafe { ctx.helper_args.assume_init() };
        let answer = catch_unwind(AssertUnwindSafe(|| state.call_site(site, args)));
        if let Ok(Some(r0)) = answer {
            return r0;
        }
    }
    call_helper(ctx, fp)
}

/// What [`call_site_test`] returns when it does not answer: the code then takes the call.
pub(crate) const SITE_TEST_DECLINED: u64 = 2;

/// The element test of `site` on the `len` bytes at `start`, for code compiled inline for a
/// site ([`InlineTest::CallTest`]): 0 or 1, or [`SITE_TEST_DECLINED`] if the test panicked
/// (the generic call then runs it again and reports the panic as any helper's).
///
/// [`InlineTest::CallTest`]: super::sites::InlineTest::CallTest
pub(crate) extern "C" fn call_site_test(site: *const RfSite, start: u64, len: u64) -> u64 {
    // SAFETY: the compiled code passes the address of one of its program's sites
    // (`JitProgram::sites`), which the program keeps for as long as its code runs.
    let site = unsafe { &*site };
    // SAFETY: the compiled code checked, just before the call, that `start..start + len`
    // lies inside the run's event data area (`RunContext::event_data` to `event_data_end`,
    // see `InlineMatch`), which `run` borrows, shared, from its caller for the whole run:
    // the bytes are initialised, live and unchanged for the duration of this call.
    let bytes = unsafe { std::slice::from_raw_parts(start as *const u8, len as usize) };
    catch_unwind(AssertUnwindSafe(|| site.test_bytes(bytes))).unwrap_or(SITE_TEST_DECLINED)
}

/// Checks an access of `size_kind & 0xff` bytes at `addr` of kind `size_kind >> 8`
/// (`ACCESS_*`) for the instruction at `insn_idx`, from a frame whose `r10` is `fp`. Returns
/// 0 if it may proceed; otherwise records the fault and returns 1.
pub(crate) extern "C" fn check_access(
    ctx: *mut RunContext,
    insn_idx: u64,
    addr: u64,
    size_kind: u64,
    fp: u64,
) -> u64 {
    // SAFETY: as in `call_helper`: the live, exclusive context `run` passed to the code.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: as in `call_helper`: `run`'s live run state, reached only from here.
    let state = unsafe { &mut *ctx.state.cast::<RunState<'_, '_>>() };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        state.check_access(ctx, insn_idx, addr, size_kind, fp)
    }));
    outcome.unwrap_or_else(|payload| {
        state.panic = Some(payload);
        ctx.status = STATUS_FAULTED;
        1
    })
}

/// The helpers' view of a run: the stack, the run's regions, then every map's values (shared
/// memory, accessed atomically), in `buffers`.
fn build_memory(pending: Pending<'_>, buffers: MemoryBuffers) -> Memory<'_> {
    let Pending {
        stack,
        regions,
        maps,
        state,
    } = pending;
    let map_regions = maps.iter().enumerate().map(|(map_idx, map)| {
        let region = map.value_region();
        MemoryRegion::shared(
            RegionKind::MapValue {
                map_idx: map_idx as u32,
            },
            map.value_words(),
            region.len as usize,
            region.writable,
        )
    });
    let mut memory = match regions {
        PendingRegions::One(kind, bytes) => Memory::with_stack_in(
            buffers,
            stack,
            STACK_PER_FRAME,
            std::iter::once(MemoryRegion::read_write(kind, bytes)).chain(map_regions),
        ),
        PendingRegions::Many(regions) => Memory::with_stack_in(
            buffers,
            stack,
            STACK_PER_FRAME,
            regions.into_iter().chain(map_regions),
        ),
        PendingRegions::Context {
            context,
            writable,
            data,
        } => Memory::with_stack_in(
            buffers,
            stack,
            STACK_PER_FRAME,
            [
                if writable {
                    MemoryRegion::read_write(RegionKind::Context, context)
                } else {
                    MemoryRegion::read_only(RegionKind::Context, context)
                },
                MemoryRegion::read_only(RegionKind::ReadOnlyData, data),
            ]
            .into_iter()
            .chain(map_regions),
        ),
    };
    if let Some(state) = state {
        memory.set_run_state(state);
    }
    memory
}
