//! The checked interpreter: runs any program, verified or not, checking every memory access
//! against the regions the program may touch, every jump target, the call depth and an
//! instruction budget, so that a faulty program ends in a [`RunError`], never a panic or a
//! stray access. It is the oracle the fast engines are tested against, and the engine of
//! `--no-verify`.
//!
//! Semantics follow RFC 9669 exactly: division by zero yields 0 (`x % 0 == x`), signed
//! `MIN / -1 == MIN` and `MIN % -1 == 0`, shift amounts are masked to 31 or 63, 32-bit ALU
//! results are zero-extended, 32-bit jumps compare the low halves.
//!
//! Calls: a local call gives the callee a fresh frame of [`Config::stack_per_frame`] bytes
//! just below the caller's and points `r10` past it; `r1`-`r5` pass through, `r6`-`r9` and
//! `r10` are restored by the callee's `exit`. At most [`Config::max_call_depth`] frames
//! (including the main one) are live. A callee may use pointers into its callers' frames.
//! `callx` takes a helper number from its register (the bpf_conformance convention).
//!
//! Architecture Invariant: no `unsafe` here. Registers hold real host addresses, but memory
//! is reached only through [`Memory`], by safe slice indexing after a region check.
#![forbid(unsafe_code)]

use ringfence_isa::{
    AluOp, AtomicOp, ByteOrder, CallKind, Cond, Imm64Kind, Insn, Semantics, Size, Source, Width,
    FRAME_POINTER, N_REGS,
};

use crate::error::{RunError, RunErrorKind};
use crate::helpers::{HelperError, Helpers, RunState};
use crate::maps::Maps;
use crate::memory::{Memory, MemoryRegion, RegionKind};

/// Limits of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The most instructions a run may execute; one more is [`RunErrorKind::BudgetExhausted`].
    pub max_insns: u64,
    /// The most stack frames live at once, the main function's included (at least 1).
    pub max_call_depth: usize,
    /// The size of each stack frame in bytes.
    pub stack_per_frame: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_insns: 1_000_000,
            max_call_depth: 8,
            stack_per_frame: 512,
        }
    }
}

/// How a successful run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `r0` at the final `exit` (or the value an unwinding helper chose).
    pub return_value: u64,
    /// The number of instructions executed (an `lddw` counts once).
    pub n_insns_executed: u64,
}

/// Watches a run of the checked interpreter, one executed instruction at a time (for
/// `ringfence trace` and test coverage). Called after each instruction that completed, with
/// its slot and the registers before and after it; the first call's `before` holds the
/// registers at entry. An instruction that faults is not reported (the [`RunError`] names
/// it). Runs without an observer use [`NoObserver`], which compiles to nothing.
pub trait Observer {
    /// Whether the interpreter should report at all; `false` only for [`NoObserver`].
    const ACTIVE: bool = true;

    /// Slot `insn_idx` executed, changing the registers from `before` to `after`.
    fn step(&mut self, insn_idx: usize, before: &[u64; N_REGS], after: &[u64; N_REGS]);
}

/// The observer of an unobserved run: reports nothing and costs nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    const ACTIVE: bool = false;

    #[inline(always)]
    fn step(&mut self, _: usize, _: &[u64; N_REGS], _: &[u64; N_REGS]) {}
}

/// A program prepared for the checked interpreter. Immutable once built: one interpreter can
/// run on many threads at once, each run with its own stack.
#[derive(Clone, Debug)]
pub struct CheckedInterpreter {
    /// One step per slot, and a last one past the end that faults with `FellOffEnd`.
    steps: Vec<Step>,
    n_insns: usize,
    helpers: Helpers,
    config: Config,
}

impl CheckedInterpreter {
    /// Prepares `insns` (one per slot, see [`Insn`]) to run with `helpers` under `config`.
    /// Nothing is rejected here: an instruction that cannot run faults when it is reached.
    pub fn new(insns: &[Insn], helpers: &Helpers, config: Config) -> CheckedInterpreter {
        CheckedInterpreter::with_maps(insns, helpers, &Maps::default(), config)
    }

    /// Like [`CheckedInterpreter::new`], for a program that refers to `maps` by index:
    /// `r1 = map_fd(N) ll` loads the map's handle (its index, which the map helpers take)
    /// and `r1 = map_value(N, off) ll` the address of byte `off` of the map's first value.
    pub fn with_maps(
        insns: &[Insn],
        helpers: &Helpers,
        maps: &Maps,
        config: Config,
    ) -> CheckedInterpreter {
        let config = Config {
            max_call_depth: config.max_call_depth.max(1),
            ..config
        };
        let mut steps: Vec<Step> = (0..insns.len())
            .map(|insn_idx| prepare(insns, insn_idx, maps))
            .collect();
        steps.push(Step::fault(Fault::FellOffEnd));
        CheckedInterpreter {
            steps,
            n_insns: insns.len(),
            helpers: helpers.clone(),
            config,
        }
    }

    /// The limits runs are held to.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The number of slots in the program.
    pub fn n_insns(&self) -> usize {
        self.n_insns
    }

    /// Runs a `mem` program: `r1` points to `mem`, which the program may read and write, and
    /// `r2` holds its length. Returns `r0`.
    pub fn run_mem(&self, mem: &mut [u8]) -> Result<u64, RunError> {
        let args = [mem.as_ptr() as u64, mem.len() as u64, 0, 0, 0];
        let regions = vec![MemoryRegion::read_write(RegionKind::Input, mem)];
        Ok(self.run(args, regions)?.return_value)
    }

    /// Runs the program with `r1`-`r5` set to `args` (other registers 0, `r10` at the top of
    /// a zeroed stack) and `regions` added to the stack as the memory it may touch.
    pub fn run(&self, args: [u64; 5], regions: Vec<MemoryRegion<'_>>) -> Result<Outcome, RunError> {
        self.run_with_state(args, regions, None)
    }

    /// Like [`CheckedInterpreter::run`], giving the helpers `state` to share.
    pub fn run_with_state<'a>(
        &self,
        args: [u64; 5],
        regions: Vec<MemoryRegion<'a>>,
        state: Option<&'a mut RunState>,
    ) -> Result<Outcome, RunError> {
        self.run_observed(args, regions, state, &mut NoObserver)
    }

    /// Like [`CheckedInterpreter::run_with_state`], reporting every executed instruction to
    /// `observer`.
    pub fn run_observed<'a, O: Observer>(
        &self,
        args: [u64; 5],
        regions: Vec<MemoryRegion<'a>>,
        state: Option<&'a mut RunState>,
        observer: &mut O,
    ) -> Result<Outcome, RunError> {
        let stack_len = self
            .config
            .max_call_depth
            .saturating_mul(self.config.stack_per_frame);
        let mut stack = vec![0u8; stack_len];
        let mut memory = Memory::with_stack(&mut stack, self.config.stack_per_frame, regions);
        if let Some(state) = state {
            memory.set_run_state(state);
        }
        let mut regs = [0u64; N_REGS];
        regs[1..6].copy_from_slice(&args);
        regs[FRAME_POINTER as usize] = memory.frame_pointer();
        self.execute(&mut regs, &mut memory, observer)
    }

    /// The interpreter loop.
    fn execute<O: Observer>(
        &self,
        regs: &mut [u64; N_REGS],
        memory: &mut Memory<'_>,
        observer: &mut O,
    ) -> Result<Outcome, RunError> {
        let budget = self.config.max_insns;
        let mut budget_left = budget;
        let mut frames: Vec<Frame> = Vec::with_capacity(self.config.max_call_depth);
        let mut pc = 0usize;
        loop {
            let Some(step) = self.steps.get(pc) else {
                return Err(self.fault(pc, Fault::FellOffEnd));
            };
            let semantics = match step.action {
                Action::Exec(semantics) => semantics,
                Action::Fault(fault) => return Err(self.fault(pc, fault)),
            };
            if budget_left == 0 {
                return Err(RunError {
                    insn_idx: pc,
                    kind: RunErrorKind::BudgetExhausted { budget },
                });
            }
            budget_left -= 1;
            let (slot, before) = if O::ACTIVE {
                (pc, *regs)
            } else {
                (0, [0; N_REGS])
            };
            let dst = step.dst as usize;
            let src = step.src as usize;
            let fail = |kind: RunErrorKind| RunError { insn_idx: pc, kind };
            match semantics {
                Semantics::Alu { op, width, source } => {
                    let operand = match source {
                        Source::Imm => step.imm as u64,
                        Source::Reg => regs[src],
                    };
                    regs[dst] = match width {
                        Width::W64 => alu64(op, regs[dst], operand),
                        Width::W32 => alu32(op, regs[dst] as u32, operand as u32) as u64,
                    };
                    pc += 1;
                }
                Semantics::Neg { width } => {
                    regs[dst] = match width {
                        Width::W64 => regs[dst].wrapping_neg(),
                        Width::W32 => (regs[dst] as u32).wrapping_neg() as u64,
                    };
                    pc += 1;
                }
                Semantics::MovSx { width, from } => {
                    let value = sign_extend(regs[src], from);
                    regs[dst] = match width {
                        Width::W64 => value,
                        Width::W32 => value as u32 as u64,
                    };
                    pc += 1;
                }
                Semantics::Endian { order, bits } => {
                    regs[dst] = byte_order(order, bits, regs[dst]);
                    pc += 1;
                }
                Semantics::Load { size, signed } => {
                    let addr = regs[src].wrapping_add(step.off as i64 as u64);
                    let value = memory
                        .load(addr, size.bytes() as u64)
                        .map_err(|fault| fail(fault.into()))?;
                    regs[dst] = if signed {
                        sign_extend(value, size)
                    } else {
                        value
                    };
                    pc += 1;
                }
                Semantics::Store { size, source } => {
                    let addr = regs[dst].wrapping_add(step.off as i64 as u64);
                    let value = match source {
                        Source::Imm => step.imm as u64,
                        Source::Reg => regs[src],
                    };
                    memory
                        .store(addr, size.bytes() as u64, value)
                        .map_err(|fault| fail(fault.into()))?;
                    pc += 1;
                }
                Semantics::Atomic { size, op } => {
                    let addr = regs[dst].wrapping_add(step.off as i64 as u64);
                    let operand = truncate(regs[src], size);
                    let expected = truncate(regs[0], size);
                    let old = memory
                        .read_modify_write(addr, size.bytes() as u64, |old| match op {
                            AtomicOp::Add | AtomicOp::FetchAdd => Some(old.wrapping_add(operand)),
                            AtomicOp::Or | AtomicOp::FetchOr => Some(old | operand),
                            AtomicOp::And | AtomicOp::FetchAnd => Some(old & operand),
                            AtomicOp::Xor | AtomicOp::FetchXor => Some(old ^ operand),
                            AtomicOp::Xchg => Some(operand),
                            AtomicOp::CmpXchg => (old == expected).then_some(operand),
                        })
                        .map_err(|fault| fail(fault.into()))?;
                    // `old` was read with the access size, so it is already zero-extended.
                    match op {
                        AtomicOp::Add | AtomicOp::Or | AtomicOp::And | AtomicOp::Xor => {}
                        AtomicOp::CmpXchg => regs[0] = old,
                        _ => regs[src] = old,
                    }
                    pc += 1;
                }
                Semantics::LoadImm64 { .. } => {
                    regs[dst] = step.imm as u64;
                    pc += 2;
                }
                Semantics::Goto { .. } => {
                    pc = self.jump(pc, step.target)?;
                }
                Semantics::Branch {
                    cond,
                    width,
                    source,
                } => {
                    let right = match source {
                        Source::Imm => step.imm as u64,
                        Source::Reg => regs[src],
                    };
                    let taken = match width {
                        Width::W64 => compare64(cond, regs[dst], right),
                        Width::W32 => compare32(cond, regs[dst] as u32, right as u32),
                    };
                    pc = if taken {
                        self.jump(pc, step.target)?
                    } else {
                        pc + 1
                    };
                }
                Semantics::Call {
                    kind: CallKind::Local,
                } => {
                    let target = self.jump(pc, step.target)?;
                    let depth = frames.len() + 1;
                    if depth >= self.config.max_call_depth || !memory.set_stack_depth(depth) {
                        return Err(fail(RunErrorKind::CallDepthExceeded {
                            max_depth: self.config.max_call_depth,
                        }));
                    }
                    frames.push(Frame {
                        return_pc: pc + 1,
                        callee_saved: [regs[6], regs[7], regs[8], regs[9]],
                        frame_pointer: regs[FRAME_POINTER as usize],
                    });
                    regs[FRAME_POINTER as usize] = memory.frame_pointer();
                    pc = target;
                }
                Semantics::Call {
                    kind: kind @ (CallKind::Helper | CallKind::Register),
                } => {
                    let id = match kind {
                        CallKind::Register => regs[dst],
                        _ => step.imm as i32 as u32 as u64,
                    };
                    let Some(helper) = u32::try_from(id).ok().and_then(|id| self.helpers.get(id))
                    else {
                        return Err(fail(RunErrorKind::UnknownHelper { id }));
                    };
                    let args = [regs[1], regs[2], regs[3], regs[4], regs[5]];
                    match helper.call(memory, args) {
                        Ok(value) => regs[0] = value,
                        Err(HelperError::Unwind(value)) => {
                            observer.step(slot, &before, regs);
                            return Ok(Outcome {
                                return_value: value,
                                n_insns_executed: budget - budget_left,
                            });
                        }
                        Err(HelperError::Memory(fault)) => return Err(fail(fault.into())),
                        Err(HelperError::Failed(message)) => {
                            return Err(fail(RunErrorKind::HelperFailed {
                                id: id as u32,
                                name: helper.name,
                                message,
                            }))
                        }
                    }
                    pc += 1;
                }
                Semantics::Exit => match frames.pop() {
                    Some(frame) => {
                        regs[6..10].copy_from_slice(&frame.callee_saved);
                        regs[FRAME_POINTER as usize] = frame.frame_pointer;
                        memory.set_stack_depth(frames.len());
                        pc = frame.return_pc;
                    }
                    None => {
                        observer.step(slot, &before, regs);
                        return Ok(Outcome {
                            return_value: regs[0],
                            n_insns_executed: budget - budget_left,
                        });
                    }
                },
            }
            observer.step(slot, &before, regs);
        }
    }

    /// The slot a jump at `pc` goes to, or the fault it causes.
    #[inline]
    fn jump(&self, pc: usize, target: Target) -> Result<usize, RunError> {
        match target {
            Target::Slot(slot) => Ok(slot),
            Target::Outside(target) => Err(RunError {
                insn_idx: pc,
                kind: RunErrorKind::JumpOutOfProgram {
                    target,
                    n_insns: self.n_insns,
                },
            }),
            Target::LddwTail(target) => Err(RunError {
                insn_idx: pc,
                kind: RunErrorKind::JumpIntoLddw { target },
            }),
        }
    }

    /// The error for a prepared fault reached at `pc`.
    fn fault(&self, pc: usize, fault: Fault) -> RunError {
        match fault {
            Fault::Bad(reason) => RunError {
                insn_idx: pc,
                kind: RunErrorKind::BadInstruction { reason },
            },
            // Only falling through from the last instruction reaches the slot past the end
            // (jump targets there are `Target::Outside`); blame that last instruction.
            Fault::FellOffEnd => {
                let last = match self.steps.len().checked_sub(2) {
                    Some(last) if last > 0 && self.steps[last].is_lddw_tail() => last - 1,
                    Some(last) => last,
                    None => 0,
                };
                RunError {
                    insn_idx: last,
                    kind: RunErrorKind::FellOffEnd,
                }
            }
        }
    }
}

/// One instruction, prepared: operands checked, jump target resolved.
#[derive(Clone, Copy, Debug)]
struct Step {
    action: Action,
    dst: u8,
    src: u8,
    off: i16,
    imm: i64,
    target: Target,
}

impl Step {
    fn fault(fault: Fault) -> Step {
        Step {
            action: Action::Fault(fault),
            dst: 0,
            src: 0,
            off: 0,
            imm: 0,
            target: Target::Outside(-1),
        }
    }

    fn is_lddw_tail(&self) -> bool {
        matches!(self.action, Action::Fault(Fault::Bad(LDDW_TAIL_REASON)))
    }
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Exec(Semantics),
    Fault(Fault),
}

/// A fault known before the run, raised when its slot is reached.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Bad(&'static str),
    FellOffEnd,
}

/// Where a jump or local call goes.
#[derive(Clone, Copy, Debug)]
enum Target {
    Slot(usize),
    Outside(i64),
    LddwTail(usize),
}

/// What a local call saves for its `exit`.
#[derive(Clone, Copy, Debug)]
struct Frame {
    return_pc: usize,
    callee_saved: [u64; 4],
    frame_pointer: u64,
}

const LDDW_TAIL_REASON: &str = "the second slot of an lddw is reached without its first";

/// The 64-bit value an `lddw` of `kind` with immediate `imm` loads, given the program's maps.
pub fn resolve_map_reference(kind: Imm64Kind, imm: i64, maps: &Maps) -> Result<u64, &'static str> {
    let map_idx = imm as u64 & 0xffff_ffff;
    match kind {
        Imm64Kind::Value => Ok(imm as u64),
        Imm64Kind::MapFd if maps.get(map_idx as usize).is_some() => Ok(map_idx),
        Imm64Kind::MapValue => {
            let map = maps
                .get(map_idx as usize)
                .ok_or("an lddw refers to a map that does not exist")?;
            let offset = imm as u64 >> 32;
            let region = map.value_region();
            if offset >= region.value_size {
                return Err("an lddw points past the end of a map value");
            }
            Ok(region.base + offset)
        }
        Imm64Kind::MapFd => Err("an lddw refers to a map that does not exist"),
    }
}

/// Why no engine can execute the instruction at `slot` of `insns` at all, with `lddw` map
/// references resolved against `maps`; `None` when it can run. The one definition of a bad
/// instruction: the checked interpreter, the fast interpreter and the JIT fault with this
/// reason when the slot is reached. The verifier rejects all of these where they are
/// reachable; it accepts them in code it proves dead (a write to r10 after a branch that is
/// never taken), so no engine refuses a program for them.
pub(crate) fn bad_instruction(insns: &[Insn], slot: usize, maps: &Maps) -> Option<&'static str> {
    let insn = insns[slot];
    if insn.is_lddw_tail() {
        return Some(LDDW_TAIL_REASON);
    }
    let semantics = insn.semantics();
    if insn.dst as usize >= N_REGS || insn.src as usize >= N_REGS {
        return Some("a register number is above r10");
    }
    let writes_dst = semantics.writes_dst();
    let writes_src = matches!(
        semantics,
        Semantics::Atomic {
            op: AtomicOp::FetchAdd
                | AtomicOp::FetchOr
                | AtomicOp::FetchAnd
                | AtomicOp::FetchXor
                | AtomicOp::Xchg,
            ..
        }
    );
    if (writes_dst && insn.dst == FRAME_POINTER) || (writes_src && insn.src == FRAME_POINTER) {
        return Some("it writes r10, which is read-only");
    }
    match semantics {
        Semantics::LoadImm64 { kind } => {
            if !insns.get(slot + 1).is_some_and(Insn::is_lddw_tail) {
                return Some("an lddw lacks its second slot");
            }
            if let Err(reason) = resolve_map_reference(kind, insn.imm, maps) {
                return Some(reason);
            }
        }
        Semantics::Endian { bits, .. } if !matches!(bits, 16 | 32 | 64) => {
            return Some("a byte swap width other than 16, 32 or 64");
        }
        _ => {}
    }
    None
}

/// Prepares slot `insn_idx` of `insns`.
fn prepare(insns: &[Insn], insn_idx: usize, maps: &Maps) -> Step {
    if let Some(reason) = bad_instruction(insns, insn_idx, maps) {
        return Step::fault(Fault::Bad(reason));
    }
    let mut insn = insns[insn_idx];
    let semantics = insn.semantics();
    if let Semantics::LoadImm64 { kind } = semantics {
        // `bad_instruction` refused every reference that does not resolve.
        insn.imm = resolve_map_reference(kind, insn.imm, maps).unwrap_or(0) as i64;
    }
    let target = match insn.jump_target(insn_idx) {
        None => Target::Outside(-1),
        Some(target) => match usize::try_from(target) {
            Ok(slot) if slot < insns.len() && insns[slot].is_lddw_tail() => Target::LddwTail(slot),
            Ok(slot) if slot < insns.len() => Target::Slot(slot),
            _ => Target::Outside(target),
        },
    };
    Step {
        action: Action::Exec(semantics),
        dst: insn.dst,
        src: insn.src,
        off: insn.off,
        imm: insn.imm,
        target,
    }
}

/// A 64-bit ALU operation, RFC 9669 section 4.1.
#[inline]
pub fn alu64(op: AluOp, dst: u64, src: u64) -> u64 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv => match src {
            0 => 0,
            _ => (dst as i64).wrapping_div(src as i64) as u64,
        },
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Lsh => dst << (src & 63),
        AluOp::Rsh => dst >> (src & 63),
        AluOp::Mod => dst.checked_rem(src).unwrap_or(dst),
        AluOp::SMod => match src {
            0 => dst,
            _ => (dst as i64).wrapping_rem(src as i64) as u64,
        },
        AluOp::Xor => dst ^ src,
        AluOp::Mov => src,
        AluOp::Arsh => ((dst as i64) >> (src & 63)) as u64,
    }
}

/// A 32-bit ALU operation on the low halves; the caller zero-extends the result.
#[inline]
pub fn alu32(op: AluOp, dst: u32, src: u32) -> u32 {
    match op {
        AluOp::Add => dst.wrapping_add(src),
        AluOp::Sub => dst.wrapping_sub(src),
        AluOp::Mul => dst.wrapping_mul(src),
        AluOp::Div => dst.checked_div(src).unwrap_or(0),
        AluOp::SDiv => match src {
            0 => 0,
            _ => (dst as i32).wrapping_div(src as i32) as u32,
        },
        AluOp::Or => dst | src,
        AluOp::And => dst & src,
        AluOp::Lsh => dst << (src & 31),
        AluOp::Rsh => dst >> (src & 31),
        AluOp::Mod => dst.checked_rem(src).unwrap_or(dst),
        AluOp::SMod => match src {
            0 => dst,
            _ => (dst as i32).wrapping_rem(src as i32) as u32,
        },
        AluOp::Xor => dst ^ src,
        AluOp::Mov => src,
        AluOp::Arsh => ((dst as i32) >> (src & 31)) as u32,
    }
}

/// Whether a 64-bit conditional jump is taken.
#[inline]
pub fn compare64(cond: Cond, left: u64, right: u64) -> bool {
    let (sl, sr) = (left as i64, right as i64);
    match cond {
        Cond::Eq => left == right,
        Cond::Ne => left != right,
        Cond::Gt => left > right,
        Cond::Ge => left >= right,
        Cond::Lt => left < right,
        Cond::Le => left <= right,
        Cond::Set => left & right != 0,
        Cond::SGt => sl > sr,
        Cond::SGe => sl >= sr,
        Cond::SLt => sl < sr,
        Cond::SLe => sl <= sr,
    }
}

/// Whether a 32-bit conditional jump is taken (it compares the low halves).
#[inline]
pub fn compare32(cond: Cond, left: u32, right: u32) -> bool {
    let (sl, sr) = (left as i32, right as i32);
    match cond {
        Cond::Eq => left == right,
        Cond::Ne => left != right,
        Cond::Gt => left > right,
        Cond::Ge => left >= right,
        Cond::Lt => left < right,
        Cond::Le => left <= right,
        Cond::Set => left & right != 0,
        Cond::SGt => sl > sr,
        Cond::SGe => sl >= sr,
        Cond::SLt => sl < sr,
        Cond::SLe => sl <= sr,
    }
}

/// A byte-order conversion of the low `bits` of `value`, zero-extended. On this
/// little-endian host `le` only truncates; `be` and `bswap` swap.
#[inline]
pub fn byte_order(order: ByteOrder, bits: u32, value: u64) -> u64 {
    match (order, bits) {
        (ByteOrder::Le, 16) => value as u16 as u64,
        (ByteOrder::Le, 32) => value as u32 as u64,
        (ByteOrder::Le, _) => value,
        (ByteOrder::Be | ByteOrder::Swap, 16) => (value as u16).swap_bytes() as u64,
        (ByteOrder::Be | ByteOrder::Swap, 32) => (value as u32).swap_bytes() as u64,
        (ByteOrder::Be | ByteOrder::Swap, _) => value.swap_bytes(),
    }
}

/// The low `size` bytes of `value`, sign-extended to 64 bits.
#[inline]
pub fn sign_extend(value: u64, size: Size) -> u64 {
    match size {
        Size::B => value as i8 as i64 as u64,
        Size::H => value as i16 as i64 as u64,
        Size::W => value as i32 as i64 as u64,
        Size::Dw => value,
    }
}

/// The low `size` bytes of `value`, zero-extended.
#[inline]
fn truncate(value: u64, size: Size) -> u64 {
    match size {
        Size::B => value as u8 as u64,
        Size::H => value as u16 as u64,
        Size::W => value as u32 as u64,
        Size::Dw => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str, mem: &mut [u8]) -> Result<u64, RunError> {
        let program = ringfence_isa::assemble("test.s", source).unwrap();
        CheckedInterpreter::new(&program.insns, &Helpers::conformance(), Config::default())
            .run_mem(mem)
    }

    fn r0(source: &str) -> u64 {
        run(source, &mut []).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn signed_division_and_modulo_edges() {
        assert_eq!(
            alu64(AluOp::SDiv, i64::MIN as u64, -1i64 as u64),
            i64::MIN as u64
        );
        assert_eq!(alu64(AluOp::SMod, i64::MIN as u64, -1i64 as u64), 0);
        assert_eq!(
            alu32(AluOp::SDiv, i32::MIN as u32, u32::MAX),
            i32::MIN as u32
        );
        assert_eq!(alu32(AluOp::SMod, i32::MIN as u32, u32::MAX), 0);
        assert_eq!(alu64(AluOp::SDiv, -7i64 as u64, 2), -3i64 as u64);
        assert_eq!(alu64(AluOp::SMod, -7i64 as u64, 2), -1i64 as u64);
        assert_eq!(alu64(AluOp::SMod, 7, -2i64 as u64), 1);
        assert_eq!(alu64(AluOp::Div, 7, 0), 0);
        assert_eq!(alu64(AluOp::SDiv, 7, 0), 0);
        assert_eq!(alu64(AluOp::Mod, 7, 0), 7);
        assert_eq!(alu64(AluOp::SMod, -7i64 as u64, 0), -7i64 as u64);
        // 32-bit forms use the low halves and zero-extend.
        assert_eq!(r0("lddw %r0, 0x100000007\nmod32 %r0, 0\nexit"), 7);
        assert_eq!(r0("lddw %r0, 0x100000007\ndiv32 %r0, 0\nexit"), 0);
        assert_eq!(r0("mov %r0, -7\nsmod32 %r0, 0\nexit"), 0xffff_fff9);
        assert_eq!(r0("mov %r0, -8\nsdiv32 %r0, 2\nexit"), 0xffff_fffc);
        assert_eq!(r0("mov %r0, -8\nsdiv %r0, 2\nexit"), -4i64 as u64);
    }

    #[test]
    fn shifts_are_masked() {
        assert_eq!(alu64(AluOp::Lsh, 1, 65), 2);
        assert_eq!(alu32(AluOp::Lsh, 1, 33), 2);
        assert_eq!(alu64(AluOp::Arsh, 0x8000_0000_0000_0000, 63), u64::MAX);
        assert_eq!(alu32(AluOp::Arsh, 0x8000_0000, 31), u32::MAX);
        assert_eq!(r0("mov %r0, -1\narsh32 %r0, 4\nexit"), 0xffff_ffff);
        assert_eq!(r0("mov %r0, 1\nmov %r1, 67\nlsh %r0, %r1\nexit"), 8);
    }

    #[test]
    fn movsx_sign_extends_then_zero_extends_32_bit_results() {
        assert_eq!(
            r0("mov %r1, 0x80\nmovsx864 %r0, %r1\nexit"),
            0xffff_ffff_ffff_ff80
        );
        assert_eq!(r0("mov %r1, 0x80\nmovsx832 %r0, %r1\nexit"), 0xffff_ff80);
        assert_eq!(r0("mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit"), 0xffff_8000);
        assert_eq!(
            r0("lddw %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit"),
            0xffff_ffff_8000_0000
        );
    }

    #[test]
    fn byte_swaps() {
        assert_eq!(byte_order(ByteOrder::Le, 16, 0x1122_3344_5566_7788), 0x7788);
        assert_eq!(byte_order(ByteOrder::Be, 16, 0x1122_3344_5566_7788), 0x8877);
        assert_eq!(
            byte_order(ByteOrder::Swap, 32, 0x1122_3344_5566_7788),
            0x8877_6655
        );
        assert_eq!(
            byte_order(ByteOrder::Swap, 64, 0x1122_3344_5566_7788),
            0x8877_6655_4433_2211
        );
    }

    #[test]
    fn cmpxchg32_zero_extends_r0_and_compares_low_halves() {
        // Memory holds 0x1234; %r0 = 0xffffffff_00001234 matches in its low half.
        let source = "stdw [%r10-8], 0x1234
            lddw %r0, 0xffffffff00001234
            mov %r1, 0x5678
            lock cmpxchg32 [%r10-8], %r1
            ldxdw %r2, [%r10-8]
            lsh %r2, 32
            or %r0, %r2
            exit";
        assert_eq!(r0(source), 0x5678_0000_1234);
        // A failed compare leaves memory alone and still loads the old value.
        let source = "stdw [%r10-8], 0x1234
            mov %r0, 1
            mov %r1, 0x5678
            lock cmpxchg32 [%r10-8], %r1
            ldxdw %r2, [%r10-8]
            lsh %r2, 32
            or %r0, %r2
            exit";
        assert_eq!(r0(source), 0x1234_0000_1234);
        let source = "lddw %r1, 0xffffffffffffffff
            stxdw [%r10-8], %r1
            mov %r1, 1
            lock fetch add32 [%r10-8], %r1
            mov %r0, %r1
            exit";
        assert_eq!(r0(source), 0xffff_ffff);
    }

    #[test]
    fn local_calls_get_fresh_frames_and_restore_callee_saved_registers() {
        let source = "mov %r6, 6
            mov %r1, %r10
            stdw [%r10-8], 41
            call local f
            add %r0, %r6
            exit
            f:
            mov %r6, 100
            ldxdw %r0, [%r1-8]
            stdw [%r10-8], 1
            ldxdw %r2, [%r10-8]
            add %r0, %r2
            exit";
        assert_eq!(r0(source), 48);
    }

    #[test]
    fn faults_carry_the_instruction_index() {
        let mut mem = [0u8; 4];
        let error = run("ldxw %r0, [%r1+2]\nexit", &mut mem).unwrap_err();
        assert_eq!(error.insn_idx, 0);
        assert!(error
            .to_string()
            .starts_with("instruction 0: 4-byte read at"));
        assert!(error
            .to_string()
            .contains("runs 2 bytes past the end of input buffer"));
        let error = run("mov %r0, 0\nja +5\nexit", &mut mem).unwrap_err();
        assert_eq!(error.insn_idx, 1);
        let error = run("mov %r0, 0", &mut mem).unwrap_err();
        assert_eq!((error.insn_idx, error.kind), (0, RunErrorKind::FellOffEnd));
    }

    /// Records every step.
    #[derive(Default)]
    struct Recorder(Vec<(usize, u64, u64)>);

    impl Observer for Recorder {
        fn step(&mut self, insn_idx: usize, before: &[u64; N_REGS], after: &[u64; N_REGS]) {
            self.0.push((insn_idx, before[0], after[0]));
        }
    }

    #[test]
    fn an_observer_sees_every_executed_instruction_with_its_registers() {
        let source = "mov %r0, 1\njeq %r0, 1, +1\nmov %r0, 7\nadd %r0, 2\nexit";
        let program = ringfence_isa::assemble("t.s", source).unwrap();
        let interp = CheckedInterpreter::new(&program.insns, &Helpers::new(), Config::default());
        let mut recorder = Recorder::default();
        let outcome = interp
            .run_observed([0; 5], Vec::new(), None, &mut recorder)
            .unwrap();
        assert_eq!(outcome.return_value, 3);
        // Slot 2 is jumped over; the exit is reported too.
        assert_eq!(recorder.0, vec![(0, 0, 1), (1, 1, 1), (3, 1, 3), (4, 3, 3)]);
        // A faulting instruction is not reported; the ones before it are.
        let program =
            ringfence_isa::assemble("t.s", "mov %r0, 1\nldxw %r0, [%r0+0]\nexit").unwrap();
        let interp = CheckedInterpreter::new(&program.insns, &Helpers::new(), Config::default());
        let mut recorder = Recorder::default();
        let error = interp
            .run_observed([0; 5], Vec::new(), None, &mut recorder)
            .unwrap_err();
        assert_eq!(error.insn_idx, 1);
        assert_eq!(recorder.0, vec![(0, 0, 1)]);
    }

    #[test]
    fn the_budget_counts_instructions() {
        let program = ringfence_isa::assemble("t.s", "mov %r0, 1\nadd %r0, 1\nexit").unwrap();
        let config = Config {
            max_insns: 3,
            ..Config::default()
        };
        let interp = CheckedInterpreter::new(&program.insns, &Helpers::new(), config);
        let outcome = interp.run([0; 5], Vec::new()).unwrap();
        assert_eq!(outcome.n_insns_executed, 3);
        let config = Config {
            max_insns: 2,
            ..Config::default()
        };
        let interp = CheckedInterpreter::new(&program.insns, &Helpers::new(), config);
        let error = interp.run([0; 5], Vec::new()).unwrap_err();
        assert_eq!(error.kind, RunErrorKind::BudgetExhausted { budget: 2 });
        assert_eq!(error.insn_idx, 2);
    }
}
