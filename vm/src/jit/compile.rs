//! BPF to Cranelift IR, one Cranelift function per BPF function.
//!
//! 1. Analysis walks the program from its entry: every slot reachable without crossing a
//!    local call belongs to the function, every local-call target starts another function.
//!    A function is what is reachable from its entry, so a jump from one function's body into
//!    another's simply compiles that code twice, exactly as the interpreter runs it. Leaders
//!    of basic blocks are the entry, jump targets and the slots after branches and calls.
//! 2. Translation: the eleven registers are Cranelift `Variable`s and cranelift-frontend
//!    builds SSA from them (Braun et al., CC 2013); each BPF basic block is one Cranelift
//!    block, plus internal blocks for checks.
//! 3. Each instruction gets the interpreter's semantics ([`crate::checked`]): division by zero
//!    and `MIN / -1` never trap (a divisor of 0, or -1 when signed, branches to a cold block
//!    that computes the RFC's answer), shift amounts are masked, 32-bit results
//!    zero-extended, atomics are Cranelift atomics. Problems the interpreter reports when an
//!    instruction is reached (bad registers, jumps out of the program, falling off the end)
//!    are compile errors in unchecked mode and compiled faults in checked mode. ALU
//!    operations and conditions are in `alu.rs`, helper calls and specialised call sites in
//!    `calls.rs`; a chain of `jeq` tests of one register becomes a binary search, or a
//!    table lookup when its arms differ only in immediates ([`super::switch`]).
//! 4. Code generation: Cranelift's mid-end optimiser is off and the register allocator is
//!    chosen by [`JitOpt`]; the settings, and the figures behind them, are on [`JitOpt`]
//!    (`cargo bench -p ringfence-vm --bench jit` measures both).
#![forbid(unsafe_code)]

mod alu;
mod calls;

use alu::Operand;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{
    AbiParam, AtomicRmwOp, Block, ExtFuncData, ExternalName, FuncRef, InstBuilder, InstructionData,
    MemFlagsData, Opcode, SigRef, Signature, Type, UserExternalName, UserFuncName, Value, ValueDef,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{binemit, Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use ringfence_isa::{
    AluOp, AtomicOp, ByteOrder, CallKind, Cond, Insn, Semantics, Size, Source, Width,
    FRAME_POINTER, N_REGS,
};

use super::code::{Code, FunctionCode, Reloc, RelocKind, RelocTarget};
use super::runtime::{self, HelperTable};
use super::sites::{block_constants, InlineMatch, InlineTest, RfSite, SiteFacts};
use super::switch::{switch_chain, switch_table, SwitchChain, SwitchTable, SEARCH_LEAF};
use super::{JitConfig, JitError, JitProgram, MAX_CALL_DEPTH_LIMIT, STACK_PER_FRAME};
use crate::error::{RunError, RunErrorKind};
use crate::helpers::Helpers;
use crate::rf_helpers::direct::{frozen_regions, FrozenRegion};
use crate::rf_helpers::StrMatch;

/// What compilation optimises for ([`JitConfig::opt`]). Both skip Cranelift's mid-end
/// optimiser (`opt_level = "none"`): the input is clang-optimised BPF, and on the benches
/// (`vm/benches/jit.rs`) the e-graph pass made the code slower, not faster (it rewrites a
/// loop latch `(i + 1) != n` into `i != n - 1`, which keeps both `i` and `i + 1` live and
/// costs a move and a jump per iteration), while taking half the compile time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JitOpt {
    /// The fastest code: regalloc2's backtracking allocator keeps the BPF registers in host
    /// registers across loops. The engine for rules, compiled once and run on every event.
    #[default]
    Speed,
    /// The quickest compile (about 40% less time): the single-pass allocator, whose code
    /// spills every value and runs about 3 times slower. For programs run only a few times.
    QuickCompile,
}

impl JitOpt {
    /// Cranelift's `regalloc_algorithm` for this choice.
    fn regalloc_algorithm(self) -> &'static str {
        match self {
            JitOpt::Speed => "backtracking",
            JitOpt::QuickCompile => "single_pass",
        }
    }
}

/// The host's target ISA for `opt`, built once per process (detecting the CPU's features
/// and building the ISA costs more than compiling a small rule).
fn host_isa(opt: JitOpt) -> Result<OwnedTargetIsa, JitError> {
    static ISAS: [OnceLock<Result<OwnedTargetIsa, JitError>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    let cell = match opt {
        JitOpt::Speed => &ISAS[0],
        JitOpt::QuickCompile => &ISAS[1],
    };
    cell.get_or_init(|| build_host_isa(opt)).clone()
}

fn build_host_isa(opt: JitOpt) -> Result<OwnedTargetIsa, JitError> {
    if !cfg!(target_arch = "x86_64") {
        return Err(JitError::UnsupportedHost {
            reason: "only x86_64 is supported: other hosts need instruction-cache \
                     maintenance and relocations the linker does not handle yet"
                .to_string(),
        });
    }
    let host = |reason: String| JitError::UnsupportedHost { reason };
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "none"),
        ("regalloc_algorithm", opt.regalloc_algorithm()),
        ("enable_verifier", "false"),
        ("unwind_info", "false"),
    ] {
        flags
            .set(name, value)
            .map_err(|e| host(format!("setting {name}={value}: {e}")))?;
    }
    cranelift_native::builder()
        .map_err(|e| host(e.to_string()))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| host(e.to_string()))
}

/// A reusable compiler: Cranelift's scratch contexts (the function under construction, the
/// SSA builder's state, the register allocator's), kept across compilations so that their
/// allocations are reused.
pub struct JitCompiler {
    /// The ISA of [`JitOpt::Speed`], for the host's calling convention and `Debug`.
    isa: OwnedTargetIsa,
    builder_ctx: FunctionBuilderContext,
    codegen_ctx: Context,
}

impl fmt::Debug for JitCompiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitCompiler")
            .field("target", &self.isa.triple().to_string())
            .finish_non_exhaustive()
    }
}

impl JitCompiler {
    /// A compiler for the host. Fails on hosts the JIT does not support (anything but
    /// x86_64 for now).
    pub fn new() -> Result<JitCompiler, JitError> {
        Ok(JitCompiler {
            isa: host_isa(JitOpt::Speed)?,
            builder_ctx: FunctionBuilderContext::new(),
            codegen_ctx: Context::new(),
        })
    }

    /// Compiles `insns` with `helpers` under `config`. Crate-private: the public entries
    /// are `JitProgram::compile_unverified` (unsafe) and `JitProgram::compile_checked`.
    pub(crate) fn compile_insns(
        &mut self,
        insns: &[Insn],
        helpers: &Helpers,
        maps: &crate::maps::Maps,
        config: JitConfig,
        facts: Option<SiteFacts>,
    ) -> Result<JitProgram, JitError> {
        if !(1..=MAX_CALL_DEPTH_LIMIT).contains(&config.max_call_depth) {
            return Err(JitError::BadConfig {
                reason: "max_call_depth must be between 1 and 64",
            });
        }
        if insns.is_empty() {
            return Err(JitError::EmptyProgram);
        }
        let analysis = Analysis::new(insns, maps, config.checked)?;
        let isa = host_isa(config.opt)?;
        let mut static_faults = Vec::new();
        let mut sites = Sites {
            helpers: helpers.clone(),
            frozen: frozen_regions(maps),
            sites: Vec::new(),
            inline: 0,
            direct_tests: 0,
            facts,
        };
        let mut switches = Switches::default();
        let mut functions = Vec::with_capacity(analysis.functions.len());
        for function_idx in 0..analysis.functions.len() {
            functions.push(self.compile_function(
                &isa,
                insns,
                &analysis,
                function_idx,
                config,
                (&mut static_faults, &mut sites, &mut switches),
            )?);
        }
        let code = Code::link(&functions)?;
        let n_frames = analysis.frames_needed(config.max_call_depth);
        // Only helper calls and checked accesses reach the trampolines; a reachable bad slot
        // compiles to a fault the code raises itself.
        let calls_runtime = config.checked
            || analysis.functions.iter().any(|plan| {
                plan.slots.iter().any(|&pc| {
                    matches!(analysis.prepared[pc], Prepared::Exec)
                        && matches!(
                            insns[pc].semantics(),
                            Semantics::Call { kind } if kind != CallKind::Local
                        )
                })
            });
        Ok(JitProgram {
            code,
            helpers: HelperTable::new(sites.helpers, sites.frozen),
            config,
            n_frames,
            // All of it, until `mod.rs` knows the program was verified.
            stack_zeroed: n_frames * STACK_PER_FRAME,
            static_faults,
            lddw_heads: insns
                .iter()
                .map(|insn| !insn.is_lddw_tail() && insn.n_slots() == 2)
                .collect(),
            // The public entries (`mod.rs`) set what runs must satisfy and the maps.
            entry: super::Entry::Unverified,
            maps: crate::maps::Maps::default(),
            calls_runtime,
            entry_is_called: analysis.entry_is_called,
            n_inline_calls: sites.inline,
            n_direct_tests: sites.direct_tests,
            sites: sites.sites,
            n_switches: switches.formed,
            n_switch_tables: switches.lookups,
            switch_tables: switches.tables,
        })
    }

    fn compile_function(
        &mut self,
        isa: &OwnedTargetIsa,
        insns: &[Insn],
        analysis: &Analysis,
        function_idx: usize,
        config: JitConfig,
        (static_faults, sites, switches): (&mut Vec<RunError>, &mut Sites, &mut Switches),
    ) -> Result<FunctionCode, JitError> {
        let plan = &analysis.functions[function_idx];
        let call_conv = isa.default_call_conv();
        // The function is built in place in the codegen context, reusing its allocations.
        self.codegen_ctx.clear();
        let func = &mut self.codegen_ctx.func;
        func.name = UserFuncName::user(0, function_idx as u32);
        func.signature = function_signature(call_conv);
        let mut builder = FunctionBuilder::new(func, &mut self.builder_ctx);
        let mut emitter = Emitter::new(
            &mut builder,
            insns,
            analysis,
            function_idx,
            config,
            call_conv,
            static_faults,
            sites,
        );
        emitter.emit_function();
        switches.formed += emitter.switches.formed;
        switches.lookups += emitter.switches.lookups;
        switches.tables.append(&mut emitter.switches.tables);
        builder.seal_all_blocks();
        builder.finalize(isa.frontend_config());

        let names: Vec<UserExternalName> = self
            .codegen_ctx
            .func
            .params
            .user_named_funcs()
            .values()
            .cloned()
            .collect();
        let dump = std::env::var_os("RINGFENCE_JIT_DUMP").is_some();
        if dump {
            eprintln!("{}", self.codegen_ctx.func.display());
            self.codegen_ctx.set_disasm(true);
        }
        let compiled = self
            .codegen_ctx
            .compile(&**isa, &mut ControlPlane::default())
            .map_err(|error| JitError::Codegen {
                function_start: plan.start,
                message: format!("{:?}", error.inner),
            })?;
        if dump {
            eprintln!("{}", compiled.vcode.as_deref().unwrap_or(""));
        }
        let bad = |what: String| JitError::Relocation {
            function_start: plan.start,
            what,
        };
        let mut relocs = Vec::new();
        for reloc in compiled.buffer.relocs() {
            let kind = match reloc.kind {
                binemit::Reloc::X86CallPCRel4 | binemit::Reloc::X86PCRel4 => RelocKind::PcRel4,
                binemit::Reloc::Abs8 => RelocKind::Abs8,
                other => return Err(bad(format!("{other:?}"))),
            };
            let target = match &reloc.target {
                FinalizedRelocTarget::Func(offset) => RelocTarget::Local(*offset),
                FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                    match names.get(name.index()) {
                        Some(name) if name.namespace == 0 => {
                            RelocTarget::Function(name.index as usize)
                        }
                        _ => return Err(bad(format!("unknown name {name:?}"))),
                    }
                }
                FinalizedRelocTarget::ExternalName(other) => return Err(bad(format!("{other:?}"))),
            };
            relocs.push(Reloc {
                offset: reloc.offset,
                kind,
                target,
                addend: reloc.addend,
            });
        }
        Ok(FunctionCode {
            function_start: plan.start,
            bytes: compiled.code_buffer().to_vec(),
            alignment: compiled.buffer.alignment,
            relocs,
        })
    }
}

/// `fn(ctx, fp, r1, r2, r3, r4, r5) -> r0`.
fn function_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64); 7]);
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// The signature of `runtime::call_helper`: `(ctx, fp) -> r0`; the helper's number, the
/// instruction's index and `r1`-`r5` go through the context (fewer arguments make the call
/// and its register allocation cheaper).
fn helper_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64); 2]);
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// The signature of `runtime::call_rf_site`: `(ctx, fp, site) -> r0`, the arguments in the
/// context as for `call_helper`.
fn site_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64); 3]);
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// A specialised call site and its test compiled inline, if it has one.
struct Site {
    site: Arc<RfSite>,
    inline: Option<InlineMatch>,
}

/// What the compiler needs to specialise helper call sites ([`super::sites`]), and the
/// sites made so far (the program keeps them alive: the code holds their addresses).
struct Sites {
    helpers: Helpers,
    /// The read-only maps' bytes, for the sites' patterns; the program's helper table keeps
    /// them for the helpers' direct calls.
    frozen: Vec<FrozenRegion>,
    sites: Vec<Arc<RfSite>>,
    /// How many of them compare inline, and how many call their test directly.
    inline: usize,
    direct_tests: usize,
    /// What the program's verification tells the sites (`None`: compiled from instructions).
    facts: Option<SiteFacts>,
}

/// The signature of `runtime::check_access`: `(ctx, insn_idx, addr, size_kind, fp) -> fault`.
fn access_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64); 5]);
    sig.returns.push(AbiParam::new(I64));
    sig
}

// ---- Analysis -------------------------------------------------------------------------------

/// A map keyed by slot or function index. The keys are small integers chosen by the
/// program's layout, not by an adversary able to collide them on purpose against a fixed
/// function, so a multiplicative hash (Fibonacci hashing, as FxHash does) serves: SipHash,
/// the default, was a fifth of the compiler's own time.
type SlotMap<V> = HashMap<usize, V, BuildHasherDefault<SlotHasher>>;

/// The hasher of [`SlotMap`]: one multiplication per key.
#[derive(Default)]
struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_usize(&mut self, key: usize) {
        self.write_u64(key as u64);
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = (self.0.rotate_left(5) ^ key).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Where a jump or local call goes (as the interpreter resolves it).
#[derive(Clone, Copy, Debug)]
enum Target {
    Slot(usize),
    Outside(i64),
    LddwTail(usize),
}

/// What the interpreter does on reaching a slot.
#[derive(Clone, Copy, Debug)]
enum Prepared {
    Exec,
    Bad(&'static str),
}

/// One BPF function: its entry and the slots reachable from it without crossing a call.
#[derive(Debug)]
struct FunctionPlan {
    start: usize,
    /// Reachable slots, in increasing order.
    slots: Vec<usize>,
    leaders: BTreeSet<usize>,
    /// For each slot, the last slot (in slot order) with an edge into it; a leader's block is
    /// sealed once that slot is emitted (the entry edge into `start` counts as slot 0).
    last_pred: SlotMap<usize>,
    /// Indices of the functions it calls.
    callees: BTreeSet<usize>,
}

#[derive(Debug)]
struct Analysis {
    prepared: Vec<Prepared>,
    functions: Vec<FunctionPlan>,
    function_of_start: SlotMap<usize>,
    /// Whether some local call targets slot 0 (the entry then hands `r1`-`r5` back too).
    entry_is_called: bool,
}

/// The interpreter's checks of one slot ([`crate::checked::bad_instruction`]). Map references
/// that resolve were resolved before compilation (`resolve_map_references`); one left is
/// checked against `maps`, for the interpreter's reason.
fn prepare(insns: &[Insn], insn_idx: usize, maps: &crate::maps::Maps) -> Prepared {
    match crate::checked::bad_instruction(insns, insn_idx, maps) {
        Some(reason) => Prepared::Bad(reason),
        None => Prepared::Exec,
    }
}

fn resolve_target(insns: &[Insn], insn_idx: usize) -> Option<Target> {
    let target = insns[insn_idx].jump_target(insn_idx)?;
    Some(match usize::try_from(target) {
        Ok(slot) if slot < insns.len() && insns[slot].is_lddw_tail() => Target::LddwTail(slot),
        Ok(slot) if slot < insns.len() => Target::Slot(slot),
        _ => Target::Outside(target),
    })
}

/// The slot the interpreter blames for falling off the end (`checked::fault`).
fn fell_off_end_idx(insns: &[Insn]) -> usize {
    let last = insns.len() - 1;
    if last > 0 && insns[last].is_lddw_tail() {
        last - 1
    } else {
        last
    }
}

impl Analysis {
    fn new(insns: &[Insn], maps: &crate::maps::Maps, checked: bool) -> Result<Analysis, JitError> {
        let prepared: Vec<Prepared> = (0..insns.len())
            .map(|idx| prepare(insns, idx, maps))
            .collect();
        let mut analysis = Analysis {
            prepared,
            functions: Vec::new(),
            function_of_start: SlotMap::default(),
            entry_is_called: false,
        };
        analysis.add_function(0);
        let mut function_idx = 0;
        while function_idx < analysis.functions.len() {
            analysis.walk_function(insns, function_idx, checked)?;
            function_idx += 1;
        }
        Ok(analysis)
    }

    fn add_function(&mut self, start: usize) -> usize {
        if let Some(&idx) = self.function_of_start.get(&start) {
            return idx;
        }
        let idx = self.functions.len();
        self.functions.push(FunctionPlan {
            start,
            slots: Vec::new(),
            leaders: BTreeSet::from([start]),
            last_pred: SlotMap::default(),
            callees: BTreeSet::new(),
        });
        self.function_of_start.insert(start, idx);
        idx
    }

    /// Finds the slots, leaders and callees of function `function_idx`. In unchecked mode a
    /// reachable fault is an error.
    fn walk_function(
        &mut self,
        insns: &[Insn],
        function_idx: usize,
        checked: bool,
    ) -> Result<(), JitError> {
        let n_insns = insns.len();
        let start = self.functions[function_idx].start;
        let mut visited = vec![false; n_insns];
        let mut leaders = BTreeSet::from([start]);
        let mut callees = BTreeSet::new();
        let mut last_pred: SlotMap<usize> = SlotMap::default();
        let mut edge = |from: usize, to: usize| {
            let last = last_pred.entry(to).or_insert(from);
            *last = (*last).max(from);
        };
        let mut work = vec![start];
        let target_error = |insn_idx: usize, target: Target| match target {
            Target::Outside(target) => JitError::JumpOutOfProgram {
                insn_idx,
                target,
                n_insns,
            },
            Target::LddwTail(target) | Target::Slot(target) => {
                JitError::JumpIntoLddw { insn_idx, target }
            }
        };
        while let Some(pc) = work.pop() {
            if visited[pc] {
                continue;
            }
            visited[pc] = true;
            if let Prepared::Bad(_) = self.prepared[pc] {
                // Compiled to the fault the interpreter raises, in either mode: the verifier
                // accepts such an instruction (a write to r10, a map reference that does not
                // resolve) where it proves it dead, which this walk of both ways of every
                // branch cannot tell.
                continue;
            }
            let insn = insns[pc];
            let next = pc + insn.n_slots();
            let mut falls_through = true;
            match insn.semantics() {
                Semantics::Exit => falls_through = false,
                Semantics::Goto { .. } | Semantics::Branch { .. } => {
                    if matches!(insn.semantics(), Semantics::Goto { .. }) {
                        falls_through = false;
                    } else if next < n_insns {
                        leaders.insert(next);
                    }
                    match resolve_target(insns, pc) {
                        Some(Target::Slot(target)) => {
                            leaders.insert(target);
                            edge(pc, target);
                            work.push(target);
                        }
                        Some(bad) if !checked => return Err(target_error(pc, bad)),
                        _ => {}
                    }
                }
                Semantics::Call {
                    kind: CallKind::Local,
                } => match resolve_target(insns, pc) {
                    Some(Target::Slot(target)) => {
                        if target == 0 {
                            self.entry_is_called = true;
                        }
                        callees.insert(self.add_function(target));
                        if next < n_insns {
                            leaders.insert(next);
                        }
                    }
                    Some(bad) if !checked => return Err(target_error(pc, bad)),
                    _ => falls_through = false,
                },
                Semantics::Call { .. } if next < n_insns => {
                    leaders.insert(next);
                }
                _ => {}
            }
            if falls_through {
                if next < n_insns {
                    edge(pc, next);
                    work.push(next);
                } else if !checked {
                    return Err(JitError::FellOffEnd {
                        insn_idx: fell_off_end_idx(insns),
                    });
                }
            }
        }
        let plan = &mut self.functions[function_idx];
        plan.slots = (0..n_insns).filter(|&slot| visited[slot]).collect();
        plan.leaders = leaders;
        plan.last_pred = last_pred;
        plan.callees = callees;
        Ok(())
    }

    /// The stack frames a run can use: the longest chain of calls from the entry, or
    /// `max_call_depth` if the calls can recurse (the run then stops at that depth, as the
    /// interpreter does).
    fn frames_needed(&self, max_call_depth: usize) -> usize {
        // Depth-first search with colours: 0 unvisited, 1 on the path, 2 done.
        fn depth(
            analysis: &Analysis,
            idx: usize,
            colour: &mut [u8],
            memo: &mut [usize],
        ) -> Option<usize> {
            match colour[idx] {
                1 => return None,
                2 => return Some(memo[idx]),
                _ => {}
            }
            colour[idx] = 1;
            let mut deepest = 0;
            for &callee in &analysis.functions[idx].callees {
                deepest = deepest.max(depth(analysis, callee, colour, memo)?);
            }
            colour[idx] = 2;
            memo[idx] = deepest + 1;
            Some(deepest + 1)
        }
        let n = self.functions.len();
        let (mut colour, mut memo) = (vec![0u8; n], vec![0usize; n]);
        match depth(self, 0, &mut colour, &mut memo) {
            Some(frames) => frames.min(max_call_depth),
            None => max_call_depth,
        }
    }

    /// The number of instructions the block at `leader` executes when it runs to its end,
    /// which is what the interpreter charges to the budget (a fault slot costs nothing).
    fn block_len(&self, insns: &[Insn], plan: &FunctionPlan, leader: usize) -> u64 {
        let mut count = 0;
        let mut pc = leader;
        loop {
            if let Prepared::Bad(_) = self.prepared[pc] {
                return count;
            }
            count += 1;
            let insn = insns[pc];
            if matches!(
                insn.semantics(),
                Semantics::Exit
                    | Semantics::Goto { .. }
                    | Semantics::Branch { .. }
                    | Semantics::Call { .. }
            ) {
                return count;
            }
            pc += insn.n_slots();
            if pc >= insns.len() || plan.leaders.contains(&pc) {
                return count;
            }
        }
    }
}

// ---- Translation ----------------------------------------------------------------------------

/// The kinds of memory access, for checked mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccessKind {
    Read,
    Write,
    Atomic,
}

struct Emitter<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    insns: &'a [Insn],
    analysis: &'a Analysis,
    plan: &'a FunctionPlan,
    function_idx: usize,
    config: JitConfig,
    static_faults: &'a mut Vec<RunError>,
    sites: &'a mut Sites,
    regs: [Variable; N_REGS],
    budget: Variable,
    ctx: Value,
    fp: Value,
    stack_bottom: Value,
    /// Checked mode: bounds checks and the budget.
    checked: bool,
    blocks: SlotMap<Block>,
    return_early: Block,
    /// The signatures of the trampolines, imported on first use (every signature a
    /// function imports costs Cranelift ABI work, used or not).
    helper_sig: Option<SigRef>,
    site_sig: Option<SigRef>,
    access_sig: Option<SigRef>,
    call_conv: CallConv,
    callee_refs: SlotMap<FuncRef>,
    /// Whether the current block is still open (not yet terminated).
    open: bool,
    /// Fault blocks to fill once the body is done: (block, instruction, fault).
    deferred_faults: Vec<(Block, usize, RunErrorKind)>,
    /// The last member of the latest switch formed: the members up to it are not searched
    /// for a switch of their own, as the switch reaches their targets already.
    switch_end: Option<usize>,
    /// The switches formed (`super::switch`).
    switches: Switches,
}

/// The switches a compilation formed (`super::switch`): how many, and the tables of those
/// compiled as lookups, which the program keeps (the code holds their addresses).
#[derive(Default)]
struct Switches {
    formed: usize,
    /// How many of them run as one arm ([`Emitter::table_switch`]).
    lookups: usize,
    tables: Vec<Box<[u64]>>,
}

/// Plain accesses: the verifier proved them in bounds (or checked mode checked them), so
/// they cannot trap; they may be unaligned.
fn mem_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Flags for the run context, which is aligned and always valid.
fn ctx_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// `imm` truncated to the width of `ty`, as Cranelift wants an `iconst` of that type.
fn truncate_imm(imm: i64, ty: Type) -> i64 {
    match ty.bits() {
        8 => imm as u8 as i64,
        16 => imm as u16 as i64,
        32 => imm as u32 as i64,
        _ => imm,
    }
}

fn size_type(size: Size) -> Type {
    match size {
        Size::B => I8,
        Size::H => I16,
        Size::W => I32,
        Size::Dw => I64,
    }
}

impl<'a, 'b> Emitter<'a, 'b> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        b: &'a mut FunctionBuilder<'b>,
        insns: &'a [Insn],
        analysis: &'a Analysis,
        function_idx: usize,
        config: JitConfig,
        call_conv: CallConv,
        static_faults: &'a mut Vec<RunError>,
        sites: &'a mut Sites,
    ) -> Emitter<'a, 'b> {
        let plan = &analysis.functions[function_idx];
        let regs: [Variable; N_REGS] = std::array::from_fn(|_| b.declare_var(I64));
        let budget = b.declare_var(I64);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let (ctx, fp) = (params[0], params[1]);
        for (reg, &value) in params[2..7].iter().enumerate() {
            b.def_var(regs[reg + 1], value);
        }
        b.def_var(regs[FRAME_POINTER as usize], fp);
        // A callee starts with its caller's r0 and r6-r9; the main function with zeros.
        let is_callee = function_idx != 0 || analysis.entry_is_called;
        for reg in [0usize, 6, 7, 8, 9] {
            let value = if is_callee {
                b.ins().load(
                    I64,
                    ctx_flags(),
                    ctx,
                    runtime::OFFSET_SCRATCH + 8 * reg as i32,
                )
            } else {
                b.ins().iconst(I64, 0)
            };
            b.def_var(regs[reg], value);
        }
        // Only local calls need the stack's bottom (for the depth check).
        let stack_bottom = if plan.callees.is_empty() {
            b.ins().iconst(I64, 0)
        } else {
            b.ins()
                .load(I64, ctx_flags(), ctx, runtime::OFFSET_STACK_BOTTOM)
        };
        let checked = config.checked;
        if checked {
            let budget_value = b.ins().load(I64, ctx_flags(), ctx, runtime::OFFSET_BUDGET);
            b.def_var(budget, budget_value);
        }
        let mut function_sig = None;
        let mut callee_refs = SlotMap::default();
        for &callee in &plan.callees {
            let signature = *function_sig
                .get_or_insert_with(|| b.import_signature(function_signature(call_conv)));
            let name = b
                .func
                .declare_imported_user_function(UserExternalName::new(0, callee as u32));
            let func_ref = b.import_function(ExtFuncData {
                name: ExternalName::user(name),
                signature,
                colocated: true,
                patchable: false,
            });
            callee_refs.insert(callee, func_ref);
        }
        let blocks: SlotMap<Block> = plan
            .leaders
            .iter()
            .map(|&leader| (leader, b.create_block()))
            .collect();
        let return_early = b.create_block();
        Emitter {
            b,
            insns,
            analysis,
            plan,
            function_idx,
            config,
            static_faults,
            sites,
            regs,
            budget,
            ctx,
            fp,
            stack_bottom,
            checked,
            blocks,
            return_early,
            helper_sig: None,
            site_sig: None,
            access_sig: None,
            call_conv,
            callee_refs,
            open: true,
            deferred_faults: Vec::new(),
            switch_end: None,
            switches: Switches::default(),
        }
    }

    fn emit_function(&mut self) {
        let start_block = self.blocks[&self.plan.start];
        self.b.ins().jump(start_block, &[]);
        self.open = false;
        let plan = self.plan;
        // Leaders whose predecessors all come before them, keyed by the leader; and the
        // others, keyed by their last predecessor (a backward jump).
        let mut seal_after: SlotMap<Vec<Block>> = SlotMap::default();
        for (&leader, &block) in &self.blocks {
            match plan.last_pred.get(&leader) {
                Some(&last) if last >= leader => seal_after.entry(last).or_default().push(block),
                _ => {}
            }
        }
        for &pc in &plan.slots {
            if let Some(&block) = self.blocks.get(&pc) {
                if self.open {
                    self.b.ins().jump(block, &[]);
                }
                self.b.switch_to_block(block);
                if plan.last_pred.get(&pc).is_none_or(|&last| last < pc) {
                    self.b.seal_block(block);
                }
                self.open = true;
                if self.checked {
                    self.charge_budget(pc);
                }
            } else if !self.open {
                // Reached only by falling through from a slot that does not fall through:
                // cannot happen for a visited slot, but an unreachable slot needs no code.
                continue;
            }
            self.emit_slot(pc);
            for block in seal_after.remove(&pc).unwrap_or_default() {
                self.b.seal_block(block);
            }
        }
        if self.open {
            // Only possible if the last visited slot fell through into nothing emitted.
            let zero = self.b.ins().iconst(I64, 0);
            self.b.ins().return_(&[zero]);
        }
        self.b.switch_to_block(self.return_early);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().return_(&[zero]);
        for (block, insn_idx, kind) in std::mem::take(&mut self.deferred_faults) {
            self.b.switch_to_block(block);
            self.fault(insn_idx, kind);
        }
    }

    fn var(&mut self, reg: u8) -> Value {
        self.b.use_var(self.regs[reg as usize])
    }

    fn set(&mut self, reg: u8, value: Value) {
        self.b.def_var(self.regs[reg as usize], value);
    }

    fn iconst(&mut self, value: i64) -> Value {
        self.b.ins().iconst(I64, value)
    }

    /// Ends the block with a branch on `condition` to two new blocks, sealed (the branch is
    /// their only predecessor): `(taken, not_taken)`.
    fn branch(&mut self, condition: Value) -> (Block, Block) {
        let (taken, not_taken) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(condition, taken, &[], not_taken, &[]);
        self.b.seal_block(taken);
        self.b.seal_block(not_taken);
        (taken, not_taken)
    }

    /// A 64-bit field of the run context.
    fn ctx_load(&mut self, offset: i32) -> Value {
        self.b.ins().load(I64, ctx_flags(), self.ctx, offset)
    }

    /// Stores `value` into a field of the run context.
    fn ctx_store(&mut self, value: Value, offset: i32) {
        let ctx = self.ctx;
        self.b.ins().store(ctx_flags(), value, ctx, offset);
    }

    /// Ends the current block with a fault the interpreter would raise at `insn_idx`.
    fn fault(&mut self, insn_idx: usize, kind: RunErrorKind) {
        self.static_faults.push(RunError { insn_idx, kind });
        let code = self.static_faults.len() as i64;
        self.raise(code, insn_idx as i64, None);
    }

    /// Stores a fault into the context and returns.
    fn raise(&mut self, code: i64, insn_idx: i64, arg: Option<Value>) {
        let status = self.iconst(runtime::STATUS_FAULTED as i64);
        let code = self.iconst(code);
        let insn = self.iconst(insn_idx);
        self.ctx_store(status, runtime::OFFSET_STATUS);
        self.ctx_store(code, runtime::OFFSET_FAULT_CODE);
        self.ctx_store(insn, runtime::OFFSET_FAULT_INSN);
        if let Some(arg) = arg {
            self.ctx_store(arg, runtime::OFFSET_FAULT_ARG);
        }
        let zero = self.iconst(0);
        self.b.ins().return_(&[zero]);
        self.open = false;
    }

    /// Checked mode, at a block's start: takes the block's instructions from the budget, or
    /// faults if fewer are left.
    fn charge_budget(&mut self, leader: usize) {
        let n = self.analysis.block_len(self.insns, self.plan, leader);
        if n == 0 {
            return;
        }
        let left = self.b.use_var(self.budget);
        let short = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, left, n as i64);
        let (fault_block, go_on) = self.branch(short);
        self.b.switch_to_block(fault_block);
        self.b.set_cold_block(fault_block);
        self.raise(runtime::FAULT_BUDGET as i64, leader as i64, Some(left));
        self.b.switch_to_block(go_on);
        self.open = true;
        let rest = self.b.ins().iadd_imm_s(left, -(n as i64));
        self.b.def_var(self.budget, rest);
    }

    /// The block for a jump from `pc` to `target`, or a new block that faults as the
    /// interpreter does for a bad target (checked mode; unchecked mode refused it earlier).
    fn target_block(&mut self, pc: usize, target: Target) -> Block {
        let kind = match target {
            Target::Slot(slot) => return self.blocks[&slot],
            Target::Outside(target) => RunErrorKind::JumpOutOfProgram {
                target,
                n_insns: self.insns.len(),
            },
            Target::LddwTail(target) => RunErrorKind::JumpIntoLddw { target },
        };
        self.deferred_fault(pc, kind)
    }

    /// The block execution falls into after `pc`, or a faulting one past the end.
    fn fall_block(&mut self, pc: usize) -> Block {
        let next = pc + self.insns[pc].n_slots();
        match self.blocks.get(&next) {
            Some(&block) => block,
            None => self.deferred_fault(fell_off_end_idx(self.insns), RunErrorKind::FellOffEnd),
        }
    }

    /// A block, filled after the function's body, that raises `kind` at `insn_idx`.
    fn deferred_fault(&mut self, insn_idx: usize, kind: RunErrorKind) -> Block {
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.deferred_faults.push((block, insn_idx, kind));
        block
    }

    fn emit_slot(&mut self, pc: usize) {
        if let Prepared::Bad(reason) = self.analysis.prepared[pc] {
            self.fault(pc, RunErrorKind::BadInstruction { reason });
            return;
        }
        let insn = self.insns[pc];
        match insn.semantics() {
            Semantics::Alu { op, width, source } => {
                let result = self.alu(op, width, source, insn);
                self.set(insn.dst, result);
            }
            Semantics::Neg { width } => {
                let value = self.var(insn.dst);
                let result = match width {
                    Width::W64 => self.b.ins().ineg(value),
                    Width::W32 => {
                        let low = self.b.ins().ireduce(I32, value);
                        let neg = self.b.ins().ineg(low);
                        self.b.ins().uextend(I64, neg)
                    }
                };
                self.set(insn.dst, result);
            }
            Semantics::MovSx { width, from } => {
                let value = self.var(insn.src);
                let mut result = value;
                if from != Size::Dw {
                    let low = self.b.ins().ireduce(size_type(from), value);
                    result = self.b.ins().sextend(I64, low);
                }
                if width == Width::W32 {
                    let low = self.b.ins().ireduce(I32, result);
                    result = self.b.ins().uextend(I64, low);
                }
                self.set(insn.dst, result);
            }
            Semantics::Endian { order, bits } => {
                let value = self.var(insn.dst);
                let result = match (order, bits) {
                    (ByteOrder::Le, 64) => value,
                    (_, 64) => self.b.ins().bswap(value),
                    (order, bits) => {
                        let ty = if bits == 16 { I16 } else { I32 };
                        let mut low = self.b.ins().ireduce(ty, value);
                        if order != ByteOrder::Le {
                            low = self.b.ins().bswap(low);
                        }
                        self.b.ins().uextend(I64, low)
                    }
                };
                self.set(insn.dst, result);
            }
            Semantics::Load { size, signed } => {
                let base = self.var(insn.src);
                let (addr, offset) = self.address(pc, base, insn.off, size, AccessKind::Read);
                let flags = mem_flags();
                let ins = self.b.ins();
                let value = match (size, signed) {
                    (Size::B, false) => ins.uload8(I64, flags, addr, offset),
                    (Size::B, true) => ins.sload8(I64, flags, addr, offset),
                    (Size::H, false) => ins.uload16(I64, flags, addr, offset),
                    (Size::H, true) => ins.sload16(I64, flags, addr, offset),
                    (Size::W, false) => ins.uload32(flags, addr, offset),
                    (Size::W, true) => ins.sload32(flags, addr, offset),
                    (Size::Dw, _) => ins.load(I64, flags, addr, offset),
                };
                self.set(insn.dst, value);
            }
            Semantics::Store { size, source } => {
                let base = self.var(insn.dst);
                let (addr, offset) = self.address(pc, base, insn.off, size, AccessKind::Write);
                let flags = mem_flags();
                match source {
                    // A constant of the access's own type: Cranelift stores it as an
                    // immediate (`mov $imm, mem`) instead of materialising it in a register.
                    Source::Imm => {
                        let ty = size_type(size);
                        let value = self.b.ins().iconst(ty, truncate_imm(insn.imm, ty));
                        self.b.ins().store(flags, value, addr, offset);
                    }
                    Source::Reg => {
                        let value = self.var(insn.src);
                        let ins = self.b.ins();
                        match size {
                            Size::B => ins.istore8(flags, value, addr, offset),
                            Size::H => ins.istore16(flags, value, addr, offset),
                            Size::W => ins.istore32(flags, value, addr, offset),
                            Size::Dw => ins.store(flags, value, addr, offset),
                        };
                    }
                }
            }
            Semantics::Atomic { size, op } => self.atomic(pc, insn, size, op),
            Semantics::LoadImm64 { .. } => {
                let value = self.iconst(insn.imm);
                self.set(insn.dst, value);
            }
            Semantics::Goto { .. } => {
                let target = resolve_target(self.insns, pc).unwrap_or(Target::Outside(-1));
                let block = self.target_block(pc, target);
                self.b.ins().jump(block, &[]);
                self.open = false;
                return;
            }
            Semantics::Branch {
                cond,
                width,
                source,
            } => {
                if let Some(chain) = self.switch_at(pc) {
                    self.switch(&chain);
                    return;
                }
                let taken = self.condition(cond, width, source, insn);
                let target = resolve_target(self.insns, pc).unwrap_or(Target::Outside(-1));
                let then_block = self.target_block(pc, target);
                let else_block = self.fall_block(pc);
                self.b.ins().brif(taken, then_block, &[], else_block, &[]);
                self.open = false;
                return;
            }
            Semantics::Call {
                kind: CallKind::Local,
            } => match resolve_target(self.insns, pc) {
                Some(Target::Slot(target)) => self.local_call(pc, target),
                other => {
                    let target = other.unwrap_or(Target::Outside(-1));
                    let block = self.target_block(pc, target);
                    self.b.ins().jump(block, &[]);
                    self.open = false;
                    return;
                }
            },
            Semantics::Call { kind } => {
                let (id, site) = match kind {
                    CallKind::Register => (self.var(insn.dst), None),
                    _ => {
                        let id = insn.imm32() as u32;
                        (self.iconst(id as i64), self.site_for(pc, id))
                    }
                };
                self.helper_call(pc, id, site);
            }
            Semantics::Exit => {
                self.exit();
                return;
            }
        }
        // Fall through to the next slot: a leader's block, or past the end.
        let next = pc + insn.n_slots();
        if next >= self.insns.len() {
            let block = self.fall_block(pc);
            self.b.ins().jump(block, &[]);
            self.open = false;
        }
    }

    /// The chain of `jeq` tests at `pc` to compile as a switch, in unchecked mode, unless
    /// `pc` is a member of the previous one.
    fn switch_at(&mut self, pc: usize) -> Option<SwitchChain> {
        if self.checked || self.switch_end.is_some_and(|end| pc <= end) {
            return None;
        }
        let prepared = &self.analysis.prepared;
        let chain = switch_chain(self.insns, pc, |slot| {
            matches!(prepared[slot], Prepared::Exec)
        })?;
        self.switch_end = Some(chain.last_member);
        Some(chain)
    }

    /// Ends the block with the chain's arms run as one, reading their immediates from a
    /// table, or else with a binary search over its cases (`super::switch` says why not a
    /// jump table).
    fn switch(&mut self, chain: &SwitchChain) {
        self.switches.formed += 1;
        self.open = false;
        let prepared = &self.analysis.prepared;
        let table = switch_table(self.insns, chain, |slot| {
            matches!(prepared[slot], Prepared::Exec)
        });
        if let Some(table) = table.filter(|table| self.blocks.contains_key(&table.join)) {
            self.table_switch(chain, table);
            return;
        }
        let value = self.var(chain.reg);
        let value = match chain.width {
            Width::W64 => value,
            Width::W32 => self.b.ins().ireduce(I32, value),
        };
        let mut cases: Vec<(u64, Block)> = chain
            .cases
            .iter()
            .map(|&(case, target)| (case, self.blocks[&target]))
            .collect();
        cases.sort_unstable_by_key(|&(case, _)| case);
        let otherwise = self.blocks[&chain.default];
        self.search(value, &cases, otherwise);
    }

    /// The switch as one arm: the row is the tested value's offset from the smallest case,
    /// or the default's row when that offset is past the cases (a select, not a branch);
    /// each varying instruction takes its operand from the row, the others run as they are;
    /// then to the join.
    fn table_switch(&mut self, chain: &SwitchChain, table: SwitchTable) {
        self.switches.lookups += 1;
        let value = self.var(chain.reg);
        let offset = match chain.width {
            Width::W64 => self
                .b
                .ins()
                .iadd_imm_s(value, (table.lo as i64).wrapping_neg()),
            Width::W32 => {
                let low = self.b.ins().ireduce(I32, value);
                let offset = self
                    .b
                    .ins()
                    .iadd_imm_s(low, (table.lo as i64).wrapping_neg());
                self.b.ins().uextend(I64, offset)
            }
        };
        let span = table.span as i64;
        let in_range = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, offset, span);
        let default_row = self.iconst(span);
        let row = self.b.ins().select(in_range, offset, default_row);
        let row_addr = if table.varying.is_empty() {
            None
        } else {
            // Every row the select can pick, 0 to `span`, lies in the table.
            assert_eq!(
                table.rows.len() as u64,
                (table.span + 1) * table.varying.len() as u64
            );
            let rows: Box<[u64]> = table.rows.into_boxed_slice();
            let base = self.iconst(rows.as_ptr() as usize as i64);
            self.switches.tables.push(rows);
            let row_bytes = 8 * table.varying.len() as i64;
            let scaled = self.b.ins().imul_imm_s(row, row_bytes);
            Some(self.b.ins().iadd(base, scaled))
        };
        for (position, insn) in table.arm.into_iter().enumerate() {
            let Semantics::Alu { op, width, source } = insn.semantics() else {
                unreachable!("switch_table takes only ALU instructions into an arm");
            };
            let result = match (table.varying.iter().position(|&p| p == position), row_addr) {
                (Some(j), Some(row_addr)) => {
                    // The rows are aligned u64s the program keeps and never writes.
                    let flags = MemFlagsData::trusted().with_readonly();
                    let operand = self.b.ins().load(I64, flags, row_addr, 8 * j as i32);
                    self.alu_operand(op, width, insn.dst, Operand::Value(operand))
                }
                _ => self.alu(op, width, source, insn),
            };
            self.set(insn.dst, result);
        }
        let join = self.blocks[&table.join];
        self.b.ins().jump(join, &[]);
    }

    /// Branches to the block of the case `value` equals, or to `otherwise`: halves `cases`
    /// (sorted, distinct, of `value`'s width) with unsigned compares down to
    /// [`SEARCH_LEAF`] cases, then tests those in turn.
    fn search(&mut self, value: Value, cases: &[(u64, Block)], otherwise: Block) {
        if cases.len() <= SEARCH_LEAF {
            for (idx, &(case, target)) in cases.iter().enumerate() {
                let hit = self.b.ins().icmp_imm_s(IntCC::Equal, value, case as i64);
                let next = if idx + 1 == cases.len() {
                    otherwise
                } else {
                    self.b.create_block()
                };
                self.b.ins().brif(hit, target, &[], next, &[]);
                if next != otherwise {
                    self.b.seal_block(next);
                    self.b.switch_to_block(next);
                }
            }
            return;
        }
        let mid = cases.len() / 2;
        let below = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, value, cases[mid].0 as i64);
        let (left, right) = self.branch(below);
        self.b.switch_to_block(left);
        self.search(value, &cases[..mid], otherwise);
        self.b.switch_to_block(right);
        self.search(value, &cases[mid..], otherwise);
    }

    fn exit(&mut self) {
        let r0 = self.var(0);
        if self.function_idx != 0 || self.analysis.entry_is_called {
            for reg in 1..=5u8 {
                let value = self.var(reg);
                self.ctx_store(value, runtime::OFFSET_SCRATCH + 8 * reg as i32);
            }
            if self.checked {
                let left = self.b.use_var(self.budget);
                self.ctx_store(left, runtime::OFFSET_BUDGET);
            }
        }
        self.b.ins().return_(&[r0]);
        self.open = false;
    }

    /// After a call: returns at once if the callee or helper ended the run.
    fn check_status(&mut self) {
        let status = self.ctx_load(runtime::OFFSET_STATUS);
        let go_on = self.b.create_block();
        let return_early = self.return_early;
        self.b.ins().brif(status, return_early, &[], go_on, &[]);
        self.b.seal_block(go_on);
        self.b.switch_to_block(go_on);
    }

    fn local_call(&mut self, pc: usize, target: usize) {
        // A new frame needs 512 bytes below the current one: `fp - 1024 >= stack_bottom`.
        let room = self.b.ins().isub(self.fp, self.stack_bottom);
        let too_deep =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThan, room, 2 * STACK_PER_FRAME as i64);
        let (fault_block, go_on) = self.branch(too_deep);
        self.b.switch_to_block(fault_block);
        self.b.set_cold_block(fault_block);
        self.fault(
            pc,
            RunErrorKind::CallDepthExceeded {
                max_depth: self.config.max_call_depth,
            },
        );
        self.b.switch_to_block(go_on);
        self.open = true;

        for reg in [0u8, 6, 7, 8, 9] {
            let value = self.var(reg);
            self.ctx_store(value, runtime::OFFSET_SCRATCH + 8 * reg as i32);
        }
        if self.checked {
            let left = self.b.use_var(self.budget);
            self.ctx_store(left, runtime::OFFSET_BUDGET);
        }
        let ctx = self.ctx;
        let callee_fp = self.b.ins().iadd_imm_s(self.fp, -(STACK_PER_FRAME as i64));
        let mut args = vec![ctx, callee_fp];
        for reg in 1..=5u8 {
            args.push(self.var(reg));
        }
        let callee = self.analysis.function_of_start[&target];
        let func_ref = self.callee_refs[&callee];
        let call = self.b.ins().call(func_ref, &args);
        let r0 = self.b.inst_results(call)[0];
        self.check_status();
        self.set(0, r0);
        for reg in 1..=5u8 {
            let value = self.ctx_load(runtime::OFFSET_SCRATCH + 8 * reg as i32);
            self.set(reg, value);
        }
        if self.checked {
            let left = self.ctx_load(runtime::OFFSET_BUDGET);
            self.b.def_var(self.budget, left);
        }
    }

    /// The address operands of an access of `size` at `base + off`: `(base, off)` for a plain
    /// access; in checked mode the access is checked first and `(base + off, 0)` returned.
    fn address(
        &mut self,
        pc: usize,
        base: Value,
        off: i16,
        size: Size,
        kind: AccessKind,
    ) -> (Value, i32) {
        if !self.checked {
            return (base, off as i32);
        }
        let addr = self.b.ins().iadd_imm_s(base, off as i64);
        self.check_access(pc, addr, size.bytes(), kind);
        (addr, 0)
    }

    /// Checked mode: continues only if `size` bytes at `addr` may be accessed; otherwise the
    /// run ends with the interpreter's fault.
    fn check_access(&mut self, pc: usize, addr: Value, size: u32, kind: AccessKind) {
        if !self.checked {
            return;
        }
        let size = size as i64;
        let ctx = self.ctx;
        // The visible stack, [fp - 512, stack_top), always writable: the access fits when
        // `addr - (fp - 512) <= stack_top - (fp - 512) - size` (unsigned). The context is
        // re-read at each access rather than kept in registers: values live across the whole
        // function and every slow-path call make register allocation superlinear.
        let frame_lo = self.b.ins().iadd_imm_s(self.fp, -(STACK_PER_FRAME as i64));
        let stack_top = self.ctx_load(runtime::OFFSET_STACK_TOP);
        let offset = self.b.ins().isub(addr, frame_lo);
        let span = self.b.ins().isub(stack_top, frame_lo);
        let limit = self.b.ins().iadd_imm_s(span, -size);
        let in_stack = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, offset, limit);
        // The first region: `len >= size && addr - base <= len - size`, writable if needed.
        let base = self.ctx_load(runtime::OFFSET_REGION0_BASE);
        let len = self.ctx_load(runtime::OFFSET_REGION0_LEN);
        let offset = self.b.ins().isub(addr, base);
        let limit = self.b.ins().iadd_imm_s(len, -size);
        let fits = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, len, size);
        let inside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, offset, limit);
        let mut in_region0 = self.b.ins().band(fits, inside);
        if kind != AccessKind::Read {
            let writable =
                self.b
                    .ins()
                    .load(I8, ctx_flags(), ctx, runtime::OFFSET_REGION0_WRITABLE);
            in_region0 = self.b.ins().band(in_region0, writable);
        }
        let ok = self.b.ins().bor(in_stack, in_region0);
        let access = self.b.create_block();
        let slow = self.b.create_block();
        self.b.ins().brif(ok, access, &[], slow, &[]);
        self.b.seal_block(slow);
        // Anything else: ask `Memory`, which knows every region.
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let call_conv = self.call_conv;
        let access_sig = *self
            .access_sig
            .get_or_insert_with(|| self.b.import_signature(access_signature(call_conv)));
        let trampoline = self.iconst(runtime::check_access as *const () as usize as i64);
        let insn_idx = self.iconst(pc as i64);
        let kind_code = match kind {
            AccessKind::Read => runtime::ACCESS_READ,
            AccessKind::Write => runtime::ACCESS_WRITE,
            AccessKind::Atomic => runtime::ACCESS_ATOMIC,
        };
        let size_kind = self.iconst(size | (kind_code << 8) as i64);
        let args = [self.ctx, insn_idx, addr, size_kind, self.fp];
        let call = self.b.ins().call_indirect(access_sig, trampoline, &args);
        let refused = self.b.inst_results(call)[0];
        let return_early = self.return_early;
        self.b.ins().brif(refused, return_early, &[], access, &[]);
        self.b.seal_block(access);
        self.b.switch_to_block(access);
    }

    fn atomic(&mut self, pc: usize, insn: Insn, size: Size, op: AtomicOp) {
        let base = self.var(insn.dst);
        let addr = self.b.ins().iadd_imm_s(base, insn.off as i64);
        self.check_access(pc, addr, size.bytes(), AccessKind::Atomic);
        let ty = size_type(size);
        let narrow = |emitter: &mut Self, value: Value| {
            if ty == I64 {
                value
            } else {
                emitter.b.ins().ireduce(ty, value)
            }
        };
        let widen = |emitter: &mut Self, value: Value| {
            if ty == I64 {
                value
            } else {
                emitter.b.ins().uextend(I64, value)
            }
        };
        let src = self.var(insn.src);
        let operand = narrow(self, src);
        let flags = mem_flags();
        if op == AtomicOp::CmpXchg {
            let r0 = self.var(0);
            let expected = narrow(self, r0);
            let old = self.b.ins().atomic_cas(flags, addr, expected, operand);
            let old = widen(self, old);
            self.set(0, old);
            return;
        }
        let (rmw, fetch) = match op {
            AtomicOp::Add => (AtomicRmwOp::Add, false),
            AtomicOp::Or => (AtomicRmwOp::Or, false),
            AtomicOp::And => (AtomicRmwOp::And, false),
            AtomicOp::Xor => (AtomicRmwOp::Xor, false),
            AtomicOp::FetchAdd => (AtomicRmwOp::Add, true),
            AtomicOp::FetchOr => (AtomicRmwOp::Or, true),
            AtomicOp::FetchAnd => (AtomicRmwOp::And, true),
            AtomicOp::FetchXor => (AtomicRmwOp::Xor, true),
            AtomicOp::Xchg | AtomicOp::CmpXchg => (AtomicRmwOp::Xchg, true),
        };
        let old = self.b.ins().atomic_rmw(ty, flags, rmw, addr, operand);
        if fetch {
            let old = widen(self, old);
            self.set(insn.src, old);
        }
    }
}
