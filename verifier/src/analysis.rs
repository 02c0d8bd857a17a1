//! Abstract interpretation over the control-flow graph: states at block entries, a worklist
//! in reverse postorder, joins where paths meet, widening with thresholds at loop headers,
//! then narrowing passes, then one checking pass whose errors are the verdict.
//!
//! Local calls are analysed by inlining: each call site along each call chain is an
//! *instance* of the callee, with its own nodes (instance, block) and a fresh frame, so the
//! callee's facts never mix across call sites. Instances form a tree (the call graph is
//! acyclic and at most eight deep).
//!
//! Soundness of the phases: the ascending phase stops at a post-fixpoint `X` (every edge's
//! state is below its target's); each narrowing pass replaces `X` by `F(X)` (narrowed at
//! headers), which stays a post-fixpoint; the checking pass recomputes `F(X)`, confirms
//! `F(X) ⊑ X` (else the ascending phase resumes), and reports the errors of `F` at `X`.
//! Loop invariants from [`crate::bounds`] are met into header states; they are used only
//! when the run they feed confirms them (see [`crate::verify`]).

use std::collections::{BTreeMap, BTreeSet};

use ringfence_isa::{
    AluOp as IAlu, AtomicOp, ByteOrder, CallKind, Cond as ICond, Imm64Kind, Insn, Semantics, Size,
    Source, Width as IWidth,
};

use crate::cfg::{Cfg, Term};
use crate::config::VerifierConfig;
use crate::domain::{refine, AluOp, Cond, ExtendFrom, Scalar, SwapBits, SwapKind, Width};
use crate::error::{PathStep, VerifyError, VerifyErrorKind as K};
use crate::program_type::{Access, ArgKind, Context, FieldKind, ProgramType, RetKind};
use crate::state::{
    new_base_id, ByteKind, Frame, Pointer, Region, Slot, State, Value, ANON_ID, ANON_OBJ, N_SLOTS,
    STACK_SIZE,
};

/// A location an invariant constrains: a register, or an 8-byte slot of the current frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Loc {
    Reg(u8),
    Slot(u8),
}

/// Invariants to meet into header states: per header node, per location, a scalar (the
/// value, or a pointer's offset).
pub(crate) type Invariants = BTreeMap<usize, Vec<(Loc, Scalar)>>;

/// One function instance.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub func: usize,
    /// The calling instance and the call's block.
    pub parent: Option<(usize, usize)>,
    /// Call slot to the callee's instance.
    pub children: BTreeMap<usize, usize>,
    /// The first node id.
    pub base: usize,
}

/// The result of one run of the analysis.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// The state at each node's entry (`None`: unreachable).
    pub states: Vec<Option<State>>,
    /// The first error of the checking pass.
    pub error: Option<VerifyError>,
    /// Per loop header node, the join of the states on its entry (non-back) edges.
    pub entry_states: BTreeMap<usize, State>,
    /// Back edges (from node, to node) that some state takes (or may take: from a block
    /// whose analysis stopped at an error).
    pub live_back_edges: BTreeSet<(usize, usize)>,
    /// Per instance, writes into its own frame through a pointer other than `r10`:
    /// (slot, lowest byte offset, highest byte offset + 1).
    pub frame_writes: BTreeMap<usize, Vec<(usize, i64, i64)>>,
    /// Bytes of stack used, per function.
    pub stack_usage: Vec<u32>,
    /// How each node was first reached: (predecessor, branch taken on the way).
    pub first_pred: Vec<Option<(usize, Option<PathStep>)>>,
}

impl Run {
    /// The branches on the first path found from entry to `node`.
    pub fn path_to(&self, node: usize) -> Vec<PathStep> {
        path_to(&self.first_pred, node)
    }
}

struct Edge {
    to: usize,
    state: State,
    step: Option<PathStep>,
}

#[derive(Default)]
struct Recorder {
    frame_writes: BTreeMap<usize, Vec<(usize, i64, i64)>>,
    stack_usage: Vec<u32>,
}

/// The analysis of one program.
pub(crate) struct Analyzer<'a> {
    pub insns: &'a [Insn],
    pub cfg: &'a Cfg,
    pub ptype: &'a ProgramType,
    pub config: &'a VerifierConfig,
    pub instances: Vec<Instance>,
    /// Node id to (instance, block).
    pub nodes: Vec<(usize, usize)>,
    /// Block id to its position in its function's order.
    pub block_pos: Vec<usize>,
    thresholds: Vec<u64>,
}

const WIDEN_DELAY: u32 = 2;
const NARROWING_PASSES: usize = 2;
const MAX_ROUNDS: usize = 4;
/// Pointer arithmetic only with scalars within this many bytes either way.
const MAX_PTR_DELTA: i64 = 1 << 30;

impl<'a> Analyzer<'a> {
    pub fn new(
        insns: &'a [Insn],
        cfg: &'a Cfg,
        ptype: &'a ProgramType,
        config: &'a VerifierConfig,
    ) -> Result<Analyzer<'a>, VerifyError> {
        let mut block_pos = vec![0; cfg.blocks.len()];
        for f in &cfg.funcs {
            for (i, &b) in f.order.iter().enumerate() {
                block_pos[b] = i;
            }
        }
        let mut an = Analyzer {
            insns,
            cfg,
            ptype,
            config,
            instances: Vec::new(),
            nodes: Vec::new(),
            block_pos,
            thresholds: Vec::new(),
        };
        an.add_instance(0, None)?;
        an.thresholds = an.collect_thresholds();
        Ok(an)
    }

    fn add_instance(
        &mut self,
        func: usize,
        parent: Option<(usize, usize)>,
    ) -> Result<usize, VerifyError> {
        if self.instances.len() >= self.config.max_instances {
            return Err(VerifyError::at(
                self.insns,
                K::TooComplex,
                self.cfg.funcs[func].start,
                "too many call sites along call chains; inline fewer functions",
            ));
        }
        let id = self.instances.len();
        let f = &self.cfg.funcs[func];
        let base = self.nodes.len();
        for &b in &f.order {
            self.nodes.push((id, b));
        }
        self.instances.push(Instance {
            func,
            parent,
            children: BTreeMap::new(),
            base,
        });
        let calls = f.calls.clone();
        for (site, callee) in calls {
            let block = self.block_of_last(site);
            let child = self.add_instance(callee, Some((id, block)))?;
            self.instances[id].children.insert(site, child);
        }
        Ok(id)
    }

    fn block_of_last(&self, slot: usize) -> usize {
        self.cfg.blocks.partition_point(|b| b.start <= slot) - 1
    }

    fn collect_thresholds(&self) -> Vec<u64> {
        let mut t = BTreeSet::from([0u64, 1, u64::MAX, STACK_SIZE as u64]);
        for insn in self.insns {
            if insn.is_lddw_tail() {
                continue;
            }
            for v in [insn.imm, insn.off as i64] {
                let v = v as u64;
                t.insert(v);
                t.insert(v.wrapping_add(1));
                t.insert(v.wrapping_sub(1));
            }
        }
        match &self.ptype.context {
            Context::Mem { len } => {
                t.insert(*len);
            }
            Context::Struct(l) => {
                t.insert(l.size as u64);
                t.insert(l.max_data_len as u64);
            }
        }
        for m in &self.config.maps {
            t.insert(m.value_size as u64);
        }
        t.into_iter().collect()
    }

    /// The node of `block` in `inst`.
    pub fn node(&self, inst: usize, block: usize) -> usize {
        self.instances[inst].base + self.block_pos[block]
    }

    /// Whether `node` is a loop header, and the loop's index in its function.
    pub fn header_loop(&self, node: usize) -> Option<usize> {
        let (inst, block) = self.nodes[node];
        self.cfg.funcs[self.instances[inst].func].loop_at(block)
    }

    fn is_back_edge(&self, from: usize, to: usize) -> bool {
        let (fi, fb) = self.nodes[from];
        let (ti, tb) = self.nodes[to];
        if fi != ti {
            return false;
        }
        match self.header_loop(to) {
            Some(l) => {
                self.cfg.funcs[self.instances[ti].func].loops[l]
                    .latches
                    .contains(&fb)
                    && self.cfg.blocks[fb].succs.contains(&tb)
            }
            None => false,
        }
    }

    fn initial_state(&self) -> State {
        let mut regs = [Value::Uninit; 11];
        match &self.ptype.context {
            Context::Mem { len } => {
                regs[1] = Value::Ptr(Pointer::new(Region::Buffer, Scalar::constant(0)));
                regs[2] = Value::Scalar(Scalar::constant(*len));
            }
            Context::Struct(_) => {
                regs[1] = Value::Ptr(Pointer::new(Region::Context, Scalar::constant(0)));
            }
        }
        regs[10] = stack_ptr(0);
        State {
            regs,
            frames: vec![Frame::new()],
            sids: [0; 11],
            pkt_ranges: BTreeMap::new(),
            sums: BTreeMap::new(),
        }
    }

    fn apply_invariants(&self, node: usize, mut st: State, inv: &Invariants) -> Option<State> {
        let Some(list) = inv.get(&node) else {
            return Some(st);
        };
        for &(loc, ref bound) in list {
            let meet = |v: &Value| -> Option<Value> {
                Some(match v {
                    Value::Scalar(s) => Value::Scalar(s.meet(bound)?),
                    Value::Ptr(p) if p.null_id.is_none() => Value::Ptr(Pointer {
                        off: p.off.meet(bound)?,
                        ..*p
                    }),
                    v => *v,
                })
            };
            match loc {
                Loc::Reg(r) => st.regs[r as usize] = meet(&st.regs[r as usize])?,
                Loc::Slot(i) => {
                    let frame = st.frames.last_mut().expect("a frame");
                    if let Slot::Spill(v) = frame.slot(i) {
                        frame.set_slot_keep_sid(i, Slot::Spill(meet(&v)?));
                    }
                }
            }
        }
        Some(st)
    }

    /// One run: ascending phase, narrowing passes, checking pass.
    pub fn run(&self, inv: &Invariants) -> Run {
        let n = self.nodes.len();
        let mut states: Vec<Option<State>> = vec![None; n];
        let mut visits = vec![0u32; n];
        let mut first_pred: Vec<Option<(usize, Option<PathStep>)>> = vec![None; n];
        let entry = self.node(0, self.cfg.funcs[0].entry);
        states[entry] = self.apply_invariants(entry, self.initial_state(), inv);
        let mut work: BTreeSet<usize> = BTreeSet::from([entry]);
        let mut out_edges: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
        let mut preds: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        for round in 0..MAX_ROUNDS {
            // Ascending. A node's state is the join of its predecessors' current edge states
            // (so facts flow unchanged along single edges); loop headers accumulate and
            // widen, which makes the iteration stop.
            while let Some(node) = work.pop_first() {
                let Some(st) = states[node].clone() else {
                    continue;
                };
                let edges = self.exec_block(node, st, None).unwrap_or_default();
                let mut targets: BTreeSet<usize> = out_edges[node].iter().map(|e| e.to).collect();
                for e in &edges {
                    targets.insert(e.to);
                    preds[e.to].insert(node);
                    if states[e.to].is_none() && first_pred[e.to].is_none() && e.to != entry {
                        first_pred[e.to] = Some((node, e.step));
                    }
                }
                out_edges[node] = edges;
                for to in targets {
                    let mut acc: Option<State> = (to == entry).then(|| self.initial_state());
                    for &p in &preds[to] {
                        for e in out_edges[p].iter().filter(|e| e.to == to) {
                            acc = Some(match acc {
                                Some(a) => a.join(&e.state, to),
                                None => e.state.clone(),
                            });
                        }
                    }
                    let Some(new) = acc.and_then(|s| self.apply_invariants(to, s, inv)) else {
                        continue;
                    };
                    let new = match &states[to] {
                        Some(old) if self.header_loop(to).is_some() => {
                            visits[to] += 1;
                            let joined = if visits[to] > WIDEN_DELAY {
                                old.widen(&new, &self.thresholds, to)
                            } else {
                                old.join(&new, to)
                            };
                            self.apply_invariants(to, joined, inv)
                        }
                        _ => Some(new),
                    };
                    if new != states[to] {
                        states[to] = new;
                        work.insert(to);
                    }
                }
            }
            // Narrowing.
            if round + 1 < MAX_ROUNDS {
                for _ in 0..NARROWING_PASSES {
                    let sweep = self.sweep(&states, inv, None);
                    for (node, new) in sweep.incoming.into_iter().enumerate() {
                        states[node] = match (&states[node], new) {
                            (Some(old), Some(new)) if self.header_loop(node).is_some() => {
                                self.apply_invariants(node, old.narrow(&new), inv)
                            }
                            (Some(_), new) => new,
                            (None, _) => None,
                        };
                    }
                }
            }
            // Checking.
            let mut rec = Recorder {
                frame_writes: BTreeMap::new(),
                stack_usage: vec![0; self.cfg.funcs.len()],
            };
            let sweep = self.sweep(&states, inv, Some(&mut rec));
            let mut stable = true;
            for (node, new) in sweep.incoming.iter().enumerate() {
                let Some(new) = new else { continue };
                let ok = states[node].as_ref().is_some_and(|old| new.le(old));
                if !ok {
                    stable = false;
                    let joined = match &states[node] {
                        Some(old) => old.join(new, node),
                        None => new.clone(),
                    };
                    if first_pred[node].is_none() && node != entry {
                        first_pred[node] = sweep.first_pred[node];
                    }
                    states[node] = Some(joined);
                    work.insert(node);
                }
            }
            if stable || round + 1 == MAX_ROUNDS {
                let error = sweep.errors.into_iter().next().map(|(node, mut e)| {
                    e.path = path_to(&first_pred, node);
                    e
                });
                // States that are not a post-fixpoint prove nothing: never accept on them.
                let error = error.or_else(|| {
                    (!stable).then(|| {
                        VerifyError::at(
                            self.insns,
                            K::TooComplex,
                            0,
                            "the analysis did not settle; simplify the loops",
                        )
                    })
                });
                return Run {
                    states,
                    error,
                    entry_states: sweep.entry_states,
                    live_back_edges: sweep.live_back_edges,
                    frame_writes: rec.frame_writes,
                    stack_usage: rec.stack_usage,
                    first_pred,
                };
            }
        }
        unreachable!("the last round returns")
    }

    /// Computes every node's incoming state from the current states (`F(X)`).
    fn sweep(
        &self,
        states: &[Option<State>],
        inv: &Invariants,
        mut rec: Option<&mut Recorder>,
    ) -> Sweep {
        let n = self.nodes.len();
        let entry = self.node(0, self.cfg.funcs[0].entry);
        let mut out = Sweep {
            incoming: vec![None; n],
            first_pred: vec![None; n],
            errors: Vec::new(),
            entry_states: BTreeMap::new(),
            live_back_edges: BTreeSet::new(),
        };
        let initial = self.initial_state();
        if self.header_loop(entry).is_some() {
            out.entry_states.insert(entry, initial.clone());
        }
        out.incoming[entry] = Some(initial);
        for (node, st) in states.iter().enumerate() {
            let Some(st) = st else { continue };
            let edges = match self.exec_block(node, st.clone(), rec.as_deref_mut()) {
                Ok(edges) => edges,
                Err(e) => {
                    out.errors.push((node, e));
                    // The block's edges are unknown, and so is whether the rest of every
                    // loop around it runs: count those loops' back edges as taken, so that
                    // their bounds (and the invariants a next run may use, confirmed there)
                    // are still derived.
                    let (inst, b) = self.nodes[node];
                    let func = &self.cfg.funcs[self.instances[inst].func];
                    for lp in func.loops.iter().filter(|lp| lp.body.contains(&b)) {
                        let header = self.node(inst, lp.header);
                        for &latch in &lp.latches {
                            out.live_back_edges.insert((self.node(inst, latch), header));
                        }
                    }
                    continue;
                }
            };
            for e in edges {
                if self.header_loop(e.to).is_some() {
                    if self.is_back_edge(node, e.to) {
                        out.live_back_edges.insert((node, e.to));
                    } else {
                        let joined = match out.entry_states.get(&e.to) {
                            Some(s) => s.join(&e.state, e.to),
                            None => e.state.clone(),
                        };
                        out.entry_states.insert(e.to, joined);
                    }
                }
                if out.first_pred[e.to].is_none() {
                    out.first_pred[e.to] = Some((node, e.step));
                }
                let joined = match &out.incoming[e.to] {
                    Some(s) => s.join(&e.state, e.to),
                    None => e.state,
                };
                out.incoming[e.to] = Some(joined);
            }
        }
        for node in 0..n {
            if let Some(st) = out.incoming[node].take() {
                out.incoming[node] = self.apply_invariants(node, st, inv);
            }
        }
        out
    }

    // ---- Blocks ------------------------------------------------------------------------

    fn exec_block(
        &self,
        node: usize,
        mut st: State,
        mut rec: Option<&mut Recorder>,
    ) -> Result<Vec<Edge>, VerifyError> {
        let (inst, b) = self.nodes[node];
        let block = &self.cfg.blocks[b];
        let mut slot = block.start;
        while slot < block.last {
            self.exec_insn(&mut st, inst, slot, rec.as_deref_mut())?;
            slot += self.insns[slot].n_slots();
        }
        let last = block.last;
        let insn = &self.insns[last];
        let edge = |to_block: usize, state: State, step: Option<PathStep>| Edge {
            to: self.node(inst, to_block),
            state,
            step,
        };
        match block.term {
            Term::Fall(next) => {
                self.exec_insn(&mut st, inst, last, rec)?;
                Ok(vec![edge(next, st, None)])
            }
            Term::Goto(t) => Ok(vec![edge(t, st, None)]),
            Term::Branch { taken, fall } => {
                let Semantics::Branch {
                    cond,
                    width,
                    source,
                } = insn.semantics()
                else {
                    unreachable!("branch terminators are branches")
                };
                let mut out = Vec::new();
                for (outcome, to) in [(true, taken), (false, fall)] {
                    if let Some(s) = self.branch(&st, last, cond, width, source, outcome)? {
                        let step = PathStep {
                            insn_idx: last,
                            taken: outcome,
                        };
                        out.push(edge(to, s, Some(step)));
                    }
                }
                Ok(out)
            }
            Term::Exit => self.exit(st, inst, last),
            Term::Call { callee, .. } => {
                let child = self.instances[inst].children[&last];
                let depth = st.frames.len();
                let mut frame = Frame::new();
                frame.saved.copy_from_slice(&st.regs[6..10]);
                st.frames.push(frame);
                for r in [0, 6, 7, 8, 9] {
                    st.regs[r] = Value::Uninit;
                    st.clear_sid(r);
                }
                st.regs[10] = stack_ptr(depth as u8);
                let entry = self.cfg.funcs[callee].entry;
                Ok(vec![Edge {
                    to: self.node(child, entry),
                    state: st,
                    step: None,
                }])
            }
        }
    }

    fn exit(&self, mut st: State, inst: usize, slot: usize) -> Result<Vec<Edge>, VerifyError> {
        let r0 = st.regs[0];
        match self.instances[inst].parent {
            None => match r0 {
                Value::Uninit => Err(self.error(
                    &st,
                    K::UninitRegister { reg: 0 },
                    slot,
                    &[0],
                    "set r0 before `exit`: it is the program's result",
                )),
                Value::Scalar(s) => {
                    let range = self.ptype.return_range;
                    if s.umin() < range.min || s.umax() > range.max {
                        Err(self
                            .error(
                                &st,
                                K::ReturnRange,
                                slot,
                                &[0],
                                "clamp the result to the range the program type allows",
                            )
                            .fact(format!(
                                "return range of {}: [{}, {}]",
                                self.ptype.name, range.min, range.max
                            )))
                    } else {
                        Ok(vec![])
                    }
                }
                Value::Mixed => Err(self.error(
                    &st,
                    K::MixedValue { reg: 0 },
                    slot,
                    &[0],
                    "return a number on every path",
                )),
                _ => Err(self.error(
                    &st,
                    K::PointerLeak,
                    slot,
                    &[0],
                    "return a number, not a pointer",
                )),
            },
            Some((parent, call_block)) => {
                let depth = st.depth();
                if matches!(r0, Value::Ptr(Pointer { region: Region::Stack(d), .. }) if d >= depth)
                {
                    return Err(self.error(
                        &st,
                        K::PointerLeak,
                        slot,
                        &[0],
                        "a function must not return a pointer into its own stack frame",
                    ));
                }
                let frame = st.frames.pop().expect("a callee frame");
                st.regs[6..10].copy_from_slice(&frame.saved);
                for r in 1..=5 {
                    st.regs[r] = Value::Uninit;
                }
                for r in 1..=9 {
                    st.clear_sid(r);
                }
                st.regs[10] = stack_ptr(depth - 1);
                st.map_values(|v| match v {
                    Value::Ptr(Pointer {
                        region: Region::Stack(d),
                        ..
                    }) if *d >= depth => Value::Mixed,
                    v => *v,
                });
                let Term::Call { ret, .. } = self.cfg.blocks[call_block].term else {
                    unreachable!("parents call")
                };
                Ok(vec![Edge {
                    to: self.node(parent, ret),
                    state: st,
                    step: None,
                }])
            }
        }
    }

    // ---- Errors ------------------------------------------------------------------------

    fn error(&self, st: &State, kind: K, slot: usize, regs: &[u8], hint: &str) -> VerifyError {
        let mut e = VerifyError::at(self.insns, kind, slot, hint);
        let mut seen = BTreeSet::new();
        for &r in regs {
            if seen.insert(r) {
                e.facts.push(format!("r{r}: {}", st.regs[r as usize]));
            }
        }
        e
    }

    fn read(&self, st: &State, r: u8, slot: usize) -> Result<Value, VerifyError> {
        match st.regs[r as usize] {
            Value::Uninit => Err(self.error(
                st,
                K::UninitRegister { reg: r },
                slot,
                &[r],
                &format!("write r{r} before reading it (after a call r1-r5 are clobbered)"),
            )),
            v => Ok(v),
        }
    }

    fn read_scalar(&self, st: &State, r: u8, slot: usize) -> Result<Scalar, VerifyError> {
        match self.read(st, r, slot)? {
            Value::Scalar(s) => Ok(s),
            Value::Mixed => Err(self.mixed(st, r, slot)),
            _ => Err(self.error(
                st,
                K::PointerArithmetic,
                slot,
                &[r],
                "this operation needs a number, not a pointer",
            )),
        }
    }

    fn mixed(&self, st: &State, r: u8, slot: usize) -> VerifyError {
        self.error(
            st,
            K::MixedValue { reg: r },
            slot,
            &[r],
            "give the register the same kind of value on every path",
        )
    }

    fn write(&self, st: &mut State, r: u8, v: Value, slot: usize) -> Result<(), VerifyError> {
        if r == 10 {
            return Err(self.error(
                st,
                K::FramePointerWrite,
                slot,
                &[],
                "copy r10 to another register and change that one",
            ));
        }
        st.regs[r as usize] = v;
        Ok(())
    }

    // ---- Instructions ------------------------------------------------------------------

    /// Runs one instruction: its effect on values, then on copy ids (registers it writes
    /// are no longer copies; moves, spills and fills of scalars make copies).
    fn exec_insn(
        &self,
        st: &mut State,
        inst: usize,
        slot: usize,
        rec: Option<&mut Recorder>,
    ) -> Result<(), VerifyError> {
        let insn = self.insns[slot];
        let copy = copy_effect(st, &insn);
        self.exec_insn_values(st, inst, slot, rec)?;
        for r in written_regs(&insn) {
            st.clear_sid(r);
        }
        match copy {
            Some(Copy::Reg { dst, src }) => st.copy_reg(dst, src, slot),
            Some(Copy::Fill { dst, frame, index }) => st.fill_copy(dst, frame, index, slot),
            Some(Copy::Spill { frame, index, src }) => st.spill_copy(frame, index, src, slot),
            None => {}
        }
        Ok(())
    }

    fn exec_insn_values(
        &self,
        st: &mut State,
        inst: usize,
        slot: usize,
        rec: Option<&mut Recorder>,
    ) -> Result<(), VerifyError> {
        let insn = self.insns[slot];
        let (dst, src) = (insn.dst, insn.src);
        match insn.semantics() {
            Semantics::Alu { op, width, source } => {
                let sv = match source {
                    Source::Imm => Value::Scalar(Scalar::constant(insn.imm as u64)),
                    Source::Reg => self.read(st, src, slot)?,
                };
                let w = dom_width(width);
                if op == IAlu::Mov {
                    let v = match (width, sv) {
                        (IWidth::W64, v) => v,
                        (IWidth::W32, Value::Scalar(s)) => Value::Scalar(s.alu(AluOp::Mov, w, &s)),
                        (IWidth::W32, Value::Mixed) => return Err(self.mixed(st, src, slot)),
                        (IWidth::W32, _) => {
                            return Err(self.error(
                                st,
                                K::PointerLeak,
                                slot,
                                &[src],
                                "a 32-bit move would turn a pointer into a number",
                            ))
                        }
                    };
                    return self.write(st, dst, v, slot);
                }
                let dv = self.read(st, dst, slot)?;
                let v = self.alu(st, slot, op, width, dv, sv, source)?;
                self.write(st, dst, v, slot)
            }
            Semantics::Neg { width } => {
                let d = self.read_scalar(st, dst, slot)?;
                self.write(
                    st,
                    dst,
                    Value::Scalar(d.alu(AluOp::Neg, dom_width(width), &d)),
                    slot,
                )
            }
            Semantics::MovSx { width, from } => {
                let s = self.read_scalar(st, src, slot)?;
                let from = match from {
                    Size::B => ExtendFrom::B8,
                    Size::H => ExtendFrom::B16,
                    _ => ExtendFrom::B32,
                };
                self.write(
                    st,
                    dst,
                    Value::Scalar(s.alu(AluOp::MovSx(from), dom_width(width), &s)),
                    slot,
                )
            }
            Semantics::Endian { order, bits } => {
                let d = self.read_scalar(st, dst, slot)?;
                let kind = match order {
                    ByteOrder::Le => SwapKind::ToLe,
                    ByteOrder::Be => SwapKind::ToBe,
                    ByteOrder::Swap => SwapKind::Bswap,
                };
                let bits = match bits {
                    16 => SwapBits::B16,
                    32 => SwapBits::B32,
                    _ => SwapBits::B64,
                };
                self.write(
                    st,
                    dst,
                    Value::Scalar(d.alu(AluOp::Swap(kind, bits), Width::W64, &d)),
                    slot,
                )
            }
            Semantics::Load { size, signed } => {
                let base = self.read(st, src, slot)?;
                let v = self.load(st, slot, src, base, insn.off, size, signed)?;
                self.write(st, dst, v, slot)
            }
            Semantics::Store { size, source } => {
                let v = match source {
                    Source::Imm => Value::Scalar(Scalar::constant(insn.imm as u64)),
                    Source::Reg => self.read(st, src, slot)?,
                };
                let base = self.read(st, dst, slot)?;
                self.store(st, inst, slot, dst, base, insn.off, size, v, rec)
            }
            Semantics::Atomic { size, op } => {
                let base = self.read(st, dst, slot)?;
                self.read_scalar(st, src, slot).map_err(|e| {
                    if matches!(e.kind, K::PointerArithmetic) {
                        self.error(
                            st,
                            K::PointerLeak,
                            slot,
                            &[src],
                            "atomic operations take numbers",
                        )
                    } else {
                        e
                    }
                })?;
                if op == AtomicOp::CmpXchg {
                    self.read_scalar(st, 0, slot)?;
                }
                self.atomic(st, inst, slot, dst, base, insn.off, size, rec)?;
                let old = Value::Scalar(Scalar::unknown_of_width(size.bytes(), false));
                match op {
                    AtomicOp::CmpXchg => st.regs[0] = old,
                    AtomicOp::FetchAdd
                    | AtomicOp::FetchOr
                    | AtomicOp::FetchAnd
                    | AtomicOp::FetchXor
                    | AtomicOp::Xchg => self.write(st, src, old, slot)?,
                    _ => {}
                }
                Ok(())
            }
            Semantics::LoadImm64 { kind } => {
                let v = match kind {
                    Imm64Kind::Value => Value::Scalar(Scalar::constant(insn.imm as u64)),
                    Imm64Kind::MapFd | Imm64Kind::MapValue => {
                        let idx = insn.imm as u32;
                        if idx as usize >= self.config.maps.len() {
                            return Err(self.error(
                                st,
                                K::UnknownMap { index: idx as i64 },
                                slot,
                                &[],
                                "declare the map, or fix its index",
                            ));
                        }
                        if kind == Imm64Kind::MapFd {
                            Value::MapRef(idx)
                        } else {
                            Value::Ptr(Pointer::new(
                                Region::MapValue(idx),
                                Scalar::constant((insn.imm as u64) >> 32),
                            ))
                        }
                    }
                };
                self.write(st, dst, v, slot)
            }
            Semantics::Call { kind } => match kind {
                CallKind::Helper => self.helper_call(st, inst, slot, insn.imm, rec),
                CallKind::Register => {
                    let v = self.read(st, dst, slot)?;
                    match v {
                        Value::Scalar(s)
                            if s.as_constant()
                                .is_some_and(|c| self.ptype.helper(c as i64).is_some()) =>
                        {
                            let id = s.as_constant().unwrap_or_default() as i64;
                            self.helper_call(st, inst, slot, id, rec)
                        }
                        _ => Err(self.error(
                            st,
                            K::CallxNotConstant { reg: dst },
                            slot,
                            &[dst],
                            "load the helper number into the register with a constant",
                        )),
                    }
                }
                CallKind::Local => unreachable!("local calls end blocks"),
            },
            Semantics::Goto { .. } | Semantics::Branch { .. } | Semantics::Exit => {
                unreachable!("terminators end blocks")
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn alu(
        &self,
        st: &mut State,
        slot: usize,
        op: IAlu,
        width: IWidth,
        dv: Value,
        sv: Value,
        source: Source,
    ) -> Result<Value, VerifyError> {
        let insn = &self.insns[slot];
        let regs: Vec<u8> = match source {
            Source::Reg => vec![insn.dst, insn.src],
            Source::Imm => vec![insn.dst],
        };
        let arith_err =
            |st: &State, hint: &str| self.error(st, K::PointerArithmetic, slot, &regs, hint);
        match (dv, sv) {
            // The same number on both sides (one register, or copies): `x ^ x` and `x - x`
            // are 0.
            (Value::Scalar(_), Value::Scalar(_))
                if source == Source::Reg
                    && (insn.src == insn.dst
                        || (st.sids[insn.src as usize] != 0
                            && st.sids[insn.src as usize] == st.sids[insn.dst as usize]))
                    && matches!(op, IAlu::Xor | IAlu::Sub) =>
            {
                Ok(Value::Scalar(Scalar::constant(0)))
            }
            (Value::Scalar(a), Value::Scalar(b)) => {
                Ok(Value::Scalar(a.alu(dom_op(op), dom_width(width), &b)))
            }
            (Value::Mixed, _) => Err(self.mixed(st, insn.dst, slot)),
            (_, Value::Mixed) => Err(self.mixed(st, insn.src, slot)),
            _ if width == IWidth::W32 => Err(arith_err(st, "no 32-bit arithmetic on pointers")),
            (Value::Ptr(p), Value::Scalar(b)) if matches!(op, IAlu::Add | IAlu::Sub) => {
                let number = (source == Source::Reg).then_some(insn.src);
                self.ptr_add(st, slot, &regs, p, (b, number), op == IAlu::Sub)
            }
            (Value::Scalar(a), Value::Ptr(p)) if op == IAlu::Add => {
                self.ptr_add(st, slot, &regs, p, (a, Some(insn.dst)), false)
            }
            (Value::Ptr(p), Value::Ptr(q))
                if op == IAlu::Sub
                    && p.same_object(&q)
                    && p.null_id.is_none()
                    && q.null_id.is_none() =>
            {
                Ok(Value::Scalar(p.off.alu(AluOp::Sub, Width::W64, &q.off)))
            }
            (Value::PacketEnd, Value::Ptr(q))
                if op == IAlu::Sub && q.region == Region::Packet && q.null_id.is_none() =>
            {
                Ok(Value::Scalar(self.packet_len_range(st).alu(
                    AluOp::Sub,
                    Width::W64,
                    &q.off,
                )))
            }
            (Value::Ptr(p), Value::PacketEnd)
                if op == IAlu::Sub && p.region == Region::Packet && p.null_id.is_none() =>
            {
                Ok(Value::Scalar(p.off.alu(
                    AluOp::Sub,
                    Width::W64,
                    &self.packet_len_range(st),
                )))
            }
            _ => Err(arith_err(
                st,
                "pointers only take + and - of bounded numbers, or - of a pointer into the same \
                 object (one map value: two lookups may return two values)",
            )),
        }
    }

    fn packet_len_range(&self, st: &State) -> Scalar {
        let max = match &self.ptype.context {
            Context::Struct(l) => l.max_data_len as u64,
            Context::Mem { .. } => 0,
        };
        let known = st.pkt_ranges.get(&0).copied().unwrap_or(0).max(0) as u64;
        Scalar::range(known.min(max), max)
    }

    /// `p + s` (or `p - s`), where `s` is the number in register `number` (`None`: an
    /// immediate).
    fn ptr_add(
        &self,
        st: &mut State,
        slot: usize,
        regs: &[u8],
        p: Pointer,
        (s, number): (Scalar, Option<u8>),
        sub: bool,
    ) -> Result<Value, VerifyError> {
        if p.null_id.is_some() {
            return Err(self.error(
                st,
                K::NullPointer {
                    reg: self.insns[slot].dst,
                },
                slot,
                regs,
                "check the pointer against 0 before computing with it",
            ));
        }
        if s.smin() < -MAX_PTR_DELTA || s.smax() > MAX_PTR_DELTA {
            return Err(self.error(
                st,
                K::PointerArithmetic,
                slot,
                regs,
                "bound the number (compare it against a limit) before adding it to a pointer",
            ));
        }
        let op = if sub { AluOp::Sub } else { AluOp::Add };
        let mut out = Pointer {
            off: p.off.alu(op, Width::W64, &s),
            ..p
        };
        if p.region == Region::Packet {
            match s.as_constant().map(|k| k as i64) {
                Some(k) if p.pkt_id != ANON_ID => {
                    let c = if sub {
                        p.pkt_c.checked_sub(k)
                    } else {
                        p.pkt_c.checked_add(k)
                    };
                    match c {
                        Some(c) if c.abs() < 1 << 31 => out.pkt_c = c,
                        _ => out.pkt_id = ANON_ID,
                    }
                }
                Some(_) => {}
                None => {
                    // The same sum as one made before (same base, same constant, a copy of
                    // the same number): the same base, with what was proven for it.
                    let key = match number {
                        Some(r) if !sub && p.pkt_id != ANON_ID => {
                            let r = r as usize;
                            if st.sids[r] == 0 {
                                st.sids[r] = st.fresh_sid(slot);
                            }
                            Some((p.pkt_id, p.pkt_c, st.sids[r]))
                        }
                        _ => None,
                    };
                    if let Some(&base) = key.as_ref().and_then(|k| st.sums.get(k)) {
                        out.pkt_id = base;
                        out.pkt_c = 0;
                        return Ok(Value::Ptr(out));
                    }
                    // A new base: values that had this id before (an earlier iteration)
                    // lose it, and so does its range.
                    let id = new_base_id(slot);
                    // It starts with what `p`'s base has proven: the new base is at most
                    // `most` bytes past `p`'s, so `range - most` of it is readable too.
                    let most = if sub { -s.smin() } else { s.smax() };
                    let inherited = st
                        .pkt_ranges
                        .get(&p.pkt_id)
                        .filter(|_| p.pkt_id != ANON_ID)
                        .map(|&range| range - p.pkt_c - most)
                        .filter(|&range| range > 0);
                    st.map_values(|v| match v {
                        Value::Ptr(q) if q.region == Region::Packet && q.pkt_id == id => {
                            Value::Ptr(Pointer {
                                pkt_id: ANON_ID,
                                ..*q
                            })
                        }
                        v => *v,
                    });
                    st.pkt_ranges.remove(&id);
                    st.sums.retain(|k, new| k.0 != id && *new != id);
                    if let Some(range) = inherited {
                        st.pkt_ranges.insert(id, range);
                    }
                    // Remembered, unless the sum's own base is the one renewed here.
                    if let Some(k) = key.filter(|k| k.0 != id) {
                        st.sums.insert(k, id);
                    }
                    out.pkt_id = id;
                    out.pkt_c = 0;
                }
            }
        }
        Ok(Value::Ptr(out))
    }

    // ---- Memory ------------------------------------------------------------------------

    /// Checks that `[off + lo_add, off + lo_add + len)` is within `p`'s region for every
    /// offset `p` may have, with permission `write`; returns the byte range.
    #[allow(clippy::too_many_arguments)]
    fn check_range(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        p: &Pointer,
        lo_add: i64,
        len: u64,
        write: bool,
    ) -> Result<(i64, i64), VerifyError> {
        if p.null_id.is_some() {
            return Err(self.error(
                st,
                K::NullPointer { reg },
                slot,
                &[reg],
                "compare the pointer against 0 and use it only where it is not null",
            ));
        }
        let lo = p.off.smin() as i128 + lo_add as i128;
        let hi = p.off.smax() as i128 + lo_add as i128 + len as i128;
        let (rlo, rhi): (i128, i128) = match p.region {
            Region::Stack(_) => (-(STACK_SIZE as i128), 0),
            Region::Buffer => match &self.ptype.context {
                Context::Mem { len } => (0, *len as i128),
                Context::Struct(_) => (0, 0),
            },
            Region::Context => match &self.ptype.context {
                Context::Struct(l) => (0, l.size as i128),
                Context::Mem { .. } => (0, 0),
            },
            Region::Packet => {
                if write {
                    return Err(self.error(
                        st,
                        K::Permission,
                        slot,
                        &[reg],
                        "the data area is read-only",
                    ));
                }
                // Readable: up to the range proven for the pointer's base, or for `data`.
                let by_base = st
                    .pkt_ranges
                    .get(&p.pkt_id)
                    .filter(|_| p.pkt_id != ANON_ID)
                    .map(|&r| r as i128 - (p.pkt_c as i128 + lo_add as i128 + len as i128));
                let by_data = st.pkt_ranges.get(&0).copied().unwrap_or(0) as i128
                    - (p.off.smax() as i128 + lo_add as i128 + len as i128);
                let slack = by_base.unwrap_or(by_data).max(by_data);
                // Express it as a region [0, end) for the common check below.
                (
                    0,
                    p.off.smax() as i128 + lo_add as i128 + len as i128 + slack.min(0),
                )
            }
            Region::MapValue(m) => {
                let def = self.config.maps[m as usize];
                if write && def.read_only {
                    return Err(self.error(
                        st,
                        K::Permission,
                        slot,
                        &[reg],
                        "this map is read-only",
                    ));
                }
                (0, def.value_size as i128)
            }
        };
        if lo < rlo || hi > rhi || p.off.smin() > p.off.smax() {
            let size = match p.region {
                Region::Packet => format!(
                    "the {} proven readable",
                    st.pkt_ranges.get(&0).copied().unwrap_or(0)
                ),
                Region::Stack(_) => "the frame's 512".to_string(),
                _ => format!("{} size {rhi}", p.region),
            };
            let what = if hi > rhi {
                format!(
                    "offset {} {} {} + {len} = {hi} > {size}",
                    p.off.smax(),
                    if lo_add < 0 { '-' } else { '+' },
                    lo_add.unsigned_abs()
                )
            } else {
                format!(
                    "offset {} {} {} = {lo} < {rlo}, the start",
                    p.off.smin(),
                    if lo_add < 0 { '-' } else { '+' },
                    lo_add.unsigned_abs()
                )
            };
            let hint = match p.region {
                Region::Packet => "compare data + end of access against data_end before the access",
                Region::Stack(_) => "the stack frame is r10 - 512 to r10",
                _ => "bound the offset with a comparison that excludes the out-of-range values",
            };
            return Err(self
                .error(st, K::OutOfBounds, slot, &[reg], hint)
                .fact(what));
        }
        Ok((lo as i64, hi as i64))
    }

    fn pointer_of(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        base: Value,
    ) -> Result<Pointer, VerifyError> {
        match base {
            Value::Ptr(p) => Ok(p),
            Value::Mixed => Err(self.mixed(st, reg, slot)),
            _ => Err(self.error(
                st,
                K::NotAPointer { reg },
                slot,
                &[reg],
                "memory is accessed through pointers: r10, r1 at entry, or what helpers return",
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn load(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        base: Value,
        off: i16,
        size: Size,
        signed: bool,
    ) -> Result<Value, VerifyError> {
        let p = self.pointer_of(st, slot, reg, base)?;
        let n = size.bytes() as u64;
        let (lo, hi) = self.check_range(st, slot, reg, &p, off as i64, n, false)?;
        let unknown = Value::Scalar(Scalar::unknown_of_width(n as u32, signed));
        match p.region {
            Region::Stack(d) => {
                let frame = &st.frames[d as usize];
                let constant = p.off.as_constant().is_some();
                if constant && n == 8 && lo.rem_euclid(8) == 0 {
                    if let Slot::Spill(v) = frame.slot(slot_index(lo)) {
                        return Ok(v);
                    }
                }
                if constant {
                    if let Slot::Spill(Value::Scalar(s)) = frame.slot(slot_index(lo)) {
                        if let (Some(c), true) =
                            (s.as_constant(), slot_index(lo) == slot_index(hi - 1))
                        {
                            let shift = 8 * (lo - slot_start(lo)) as u32;
                            let raw = (c >> shift) & mask(n as u32);
                            let v = if signed {
                                sign_extend(raw, n as u32)
                            } else {
                                raw
                            };
                            return Ok(Value::Scalar(Scalar::constant(v)));
                        }
                    }
                }
                let mut all_zero = true;
                for b in lo..hi {
                    match frame.slot(slot_index(b)).bytes()[byte_index(b)] {
                        ByteKind::Uninit => {
                            return Err(self
                                .error(
                                    st,
                                    K::UninitStack,
                                    slot,
                                    &[reg],
                                    "write the stack bytes before reading them",
                                )
                                .fact(format!("byte r10{b:+} of frame {d} is uninitialised")))
                        }
                        ByteKind::Poison => return Err(self
                            .error(
                                st,
                                K::PointerLeak,
                                slot,
                                &[reg],
                                "read a spilled pointer back whole, with an aligned 8-byte load",
                            )
                            .fact(format!(
                                "byte r10{b:+} of frame {d} is part of a spilled pointer"
                            ))),
                        ByteKind::Zero => {}
                        ByteKind::Misc => all_zero = false,
                    }
                }
                Ok(if all_zero {
                    Value::Scalar(Scalar::constant(0))
                } else {
                    unknown
                })
            }
            Region::Context => {
                let field = self.context_field(st, slot, reg, &p, lo, hi)?;
                match field.kind {
                    FieldKind::Scalar => Ok(unknown),
                    FieldKind::Bounded { max }
                        if n == field.size as u64 && lo == field.offset as i64 =>
                    {
                        Ok(Value::Scalar(Scalar::range(0, max)))
                    }
                    FieldKind::Bounded { .. } => Ok(unknown),
                    FieldKind::Data | FieldKind::DataEnd if n != 8 || lo != field.offset as i64 => {
                        Err(self.error(
                            st,
                            K::BadContextAccess,
                            slot,
                            &[reg],
                            "load data and data_end whole, with 8-byte loads",
                        ))
                    }
                    FieldKind::Data => Ok(Value::Ptr(Pointer::new(
                        Region::Packet,
                        Scalar::constant(0),
                    ))),
                    FieldKind::DataEnd => Ok(Value::PacketEnd),
                }
            }
            _ => Ok(unknown),
        }
    }

    /// The context's layout, for a pointer into the context (which exists only for struct
    /// contexts).
    fn context_layout(&self) -> &'a crate::program_type::ContextLayout {
        let Context::Struct(layout) = &self.ptype.context else {
            unreachable!("context pointers exist only for struct contexts")
        };
        layout
    }

    fn context_field(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        p: &Pointer,
        lo: i64,
        hi: i64,
    ) -> Result<&'a crate::program_type::Field, VerifyError> {
        let layout = self.context_layout();
        let field = if p.off.as_constant().is_some() {
            layout.field_at(lo as u64, hi as u64)
        } else {
            None
        };
        field.ok_or_else(|| {
            self.error(
                st,
                K::BadContextAccess,
                slot,
                &[reg],
                "access context fields at constant offsets, within one field",
            )
            .fact(format!("bytes [{lo}, {hi}) of the context"))
        })
    }

    /// A helper may read the context bytes `[lo, hi)` only if none of them holds an address
    /// (`data`, `data_end`): the host must not learn where the data area is.
    fn check_context_input(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        lo: i64,
        hi: i64,
    ) -> Result<(), VerifyError> {
        let layout = self.context_layout();
        let (lo, hi) = (lo.max(0) as u64, hi.max(0) as u64);
        let address = layout.fields.iter().find(|field| {
            matches!(field.kind, FieldKind::Data | FieldKind::DataEnd) && field.overlaps(&(lo..hi))
        });
        match address {
            None => Ok(()),
            Some(field) => Err(self
                .error(
                    st,
                    K::PointerLeak,
                    slot,
                    &[reg],
                    "pass the helper the context's numbers, not its data pointers",
                )
                .fact(format!(
                    "the helper may read bytes [{lo}, {hi}) of the context, which hold field {}",
                    field.name
                ))),
        }
    }

    /// A helper may write the context bytes `[lo, hi)` (every offset the pointer may have,
    /// every size the helper may be given) only if each of them belongs to a writable
    /// scalar field: anything else is a field the analysis trusts (`data`, `data_end`, a
    /// string's bounded offset or length) or assumes unchanged.
    fn check_context_output(
        &self,
        st: &State,
        slot: usize,
        reg: u8,
        lo: i64,
        hi: i64,
    ) -> Result<(), VerifyError> {
        let layout = self.context_layout();
        let writable = |byte: u64| {
            layout.fields.iter().any(|field| {
                field.access == Access::ReadWrite
                    && field.kind == FieldKind::Scalar
                    && field.bytes().contains(&byte)
            })
        };
        let Some(byte) = (lo.max(0) as u64..hi.max(0) as u64).find(|&byte| !writable(byte)) else {
            return Ok(());
        };
        let owner = layout
            .fields
            .iter()
            .find(|field| field.bytes().contains(&byte))
            .map_or("no field (padding)".to_string(), |field| {
                format!("field {}, which is read-only", field.name)
            });
        Err(self
            .error(
                st,
                K::Permission,
                slot,
                &[reg],
                "a helper may write only the context's writable fields; pass a stack buffer",
            )
            .fact(format!(
                "the helper may write bytes [{lo}, {hi}) of the context; byte {byte} is {owner}"
            )))
    }

    #[allow(clippy::too_many_arguments)]
    fn store(
        &self,
        st: &mut State,
        inst: usize,
        slot: usize,
        reg: u8,
        base: Value,
        off: i16,
        size: Size,
        v: Value,
        rec: Option<&mut Recorder>,
    ) -> Result<(), VerifyError> {
        let p = self.pointer_of(st, slot, reg, base)?;
        let n = size.bytes() as u64;
        let (lo, hi) = self.check_range(st, slot, reg, &p, off as i64, n, true)?;
        let src = self.insns[slot].src;
        let is_number = matches!(v, Value::Scalar(_));
        match p.region {
            Region::Stack(d) => {
                let constant = p.off.as_constant().is_some();
                self.record_frame_write(st, inst, slot, reg, d, lo, hi, rec);
                let frame = &mut st.frames[d as usize];
                if constant && n == 8 && lo.rem_euclid(8) == 0 {
                    frame.set_slot(slot_index(lo), Slot::Spill(v));
                    return Ok(());
                }
                if !is_number {
                    let kind = if v == Value::Mixed {
                        K::MixedValue { reg: src }
                    } else {
                        K::PointerLeak
                    };
                    return Err(self.error(
                        st,
                        kind,
                        slot,
                        &[src],
                        "spill pointers whole, with an aligned 8-byte store",
                    ));
                }
                let new = match v {
                    Value::Scalar(s) if s.as_constant() == Some(0) => ByteKind::Zero,
                    _ => ByteKind::Misc,
                };
                write_bytes(frame, lo, hi, new, constant);
                Ok(())
            }
            Region::Context => {
                let field = self.context_field(st, slot, reg, &p, lo, hi)?;
                if field.access != Access::ReadWrite || field.kind != FieldKind::Scalar {
                    return Err(self
                        .error(
                            st,
                            K::Permission,
                            slot,
                            &[reg],
                            "this context field is read-only",
                        )
                        .fact(format!("field {} is read-only", field.name)));
                }
                self.check_number_stored(st, slot, src, v)
            }
            _ => self.check_number_stored(st, slot, src, v),
        }
    }

    fn check_number_stored(
        &self,
        st: &State,
        slot: usize,
        src: u8,
        v: Value,
    ) -> Result<(), VerifyError> {
        match v {
            Value::Scalar(_) => Ok(()),
            Value::Mixed => Err(self.mixed(st, src, slot)),
            _ => Err(self.error(
                st,
                K::PointerLeak,
                slot,
                &[src],
                "only the stack may hold pointers; store numbers elsewhere",
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_frame_write(
        &self,
        st: &State,
        inst: usize,
        slot: usize,
        reg: u8,
        d: u8,
        lo: i64,
        hi: i64,
        rec: Option<&mut Recorder>,
    ) {
        let Some(rec) = rec else { return };
        let func = self.instances[inst].func;
        if d == st.depth() {
            let used = (-lo).max(0) as u32;
            rec.stack_usage[func] = rec.stack_usage[func].max(used);
            if reg != 10 {
                rec.frame_writes
                    .entry(inst)
                    .or_default()
                    .push((slot, lo, hi));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn atomic(
        &self,
        st: &mut State,
        inst: usize,
        slot: usize,
        reg: u8,
        base: Value,
        off: i16,
        size: Size,
        rec: Option<&mut Recorder>,
    ) -> Result<(), VerifyError> {
        let p = self.pointer_of(st, slot, reg, base)?;
        if matches!(p.region, Region::Context | Region::Packet) {
            return Err(self.error(
                st,
                K::Permission,
                slot,
                &[reg],
                "atomic operations work on the stack, the buffer and map values",
            ));
        }
        let n = size.bytes() as u64;
        // Reads first: the bytes must be initialised, and hold a number.
        if !matches!(
            self.load(st, slot, reg, base, off, size, false)?,
            Value::Scalar(_)
        ) {
            return Err(self.error(
                st,
                K::PointerLeak,
                slot,
                &[reg],
                "atomic operations on a spilled pointer would turn it into a number",
            ));
        }
        let (lo, hi) = self.check_range(st, slot, reg, &p, off as i64, n, true)?;
        // Natural alignment, as Linux requires: the engines perform atomics on whole aligned
        // words (the interpreters' shared regions are atomic words; the JIT uses host atomics).
        // Region starts are 8-byte aligned, so the offset's low bits must be known zeros.
        let var_off = p.off.var_off();
        let low = n - 1;
        if var_off.mask() & low != 0 || var_off.value().wrapping_add(off as i64 as u64) & low != 0 {
            return Err(self.error(
                st,
                K::MisalignedAtomic { size: n as u8 },
                slot,
                &[reg],
                &format!(
                    "atomic accesses must be aligned to their size: make the address, r{reg}{}, \
                     a multiple of {n} from the start of its region (round a variable offset \
                     with `&= -{n}`, or use plain loads and stores)",
                    match off {
                        0 => String::new(),
                        off if off < 0 => format!(" - {}", -(off as i32)),
                        off => format!(" + {off}"),
                    }
                ),
            ));
        }
        if let Region::Stack(d) = p.region {
            self.record_frame_write(st, inst, slot, reg, d, lo, hi, rec);
            let frame = &mut st.frames[d as usize];
            let constant = p.off.as_constant().is_some();
            if constant && n == 8 && lo.rem_euclid(8) == 0 {
                frame.set_slot(
                    slot_index(lo),
                    Slot::Spill(Value::Scalar(Scalar::unknown())),
                );
            } else {
                write_bytes(frame, lo, hi, ByteKind::Misc, constant);
            }
        }
        Ok(())
    }

    // ---- Calls -------------------------------------------------------------------------

    fn helper_call(
        &self,
        st: &mut State,
        inst: usize,
        slot: usize,
        id: i64,
        mut rec: Option<&mut Recorder>,
    ) -> Result<(), VerifyError> {
        let Some(sig) = self.ptype.helper(id) else {
            return Err(self.error(
                st,
                K::UnknownHelper { id },
                slot,
                &[],
                &format!(
                    "program type {} offers helpers {:?}",
                    self.ptype.name,
                    self.ptype.helpers.keys().collect::<Vec<_>>()
                ),
            ));
        };
        if let Some((arg, why)) = sig.malformed() {
            return Err(self
                .error(st, K::HelperArgument { arg }, slot, &[], why)
                .fact(format!(
                    "helper {} has the signature {:?}",
                    sig.name, sig.args
                )));
        }
        let mut map: Option<u32> = None;
        for (i, &kind) in sig.args.iter().enumerate() {
            let r = (i + 1) as u8;
            let v = self.read(st, r, slot)?;
            let bad = |hint: &str| {
                self.error(st, K::HelperArgument { arg: r }, slot, &[r], hint)
                    .fact(format!("helper {} expects {kind:?} in r{r}", sig.name))
            };
            match kind {
                ArgKind::Scalar | ArgKind::Size => {
                    if !matches!(v, Value::Scalar(_)) {
                        return Err(bad("pass a number"));
                    }
                }
                ArgKind::OneOf { allowed } => {
                    let constant = match &v {
                        Value::Scalar(scalar) => scalar.as_constant(),
                        _ => None,
                    };
                    let ok = constant.is_some_and(|c| c < 64 && allowed & (1 << c) != 0);
                    if !ok {
                        let choices: Vec<String> = (0..64)
                            .filter(|n| allowed & (1u64 << n) != 0)
                            .map(|n: u32| n.to_string())
                            .collect();
                        return Err(bad(&format!(
                            "pass one of the constants {} (the ids of the fields this helper \
                             takes)",
                            choices.join(", ")
                        )));
                    }
                }
                ArgKind::Anything => {
                    if matches!(
                        v,
                        Value::Ptr(Pointer {
                            region: Region::Stack(_),
                            ..
                        }) | Value::Mixed
                    ) {
                        return Err(bad("pass a number or a non-stack pointer"));
                    }
                }
                ArgKind::Context => {
                    if !matches!(v, Value::Ptr(p) if p.region == Region::Context && p.off.as_constant() == Some(0))
                    {
                        return Err(bad("pass the context pointer, unmodified"));
                    }
                }
                ArgKind::Map => match v {
                    Value::MapRef(m) => map = Some(m),
                    _ => return Err(bad("pass a map reference (map_fd(N) ll)")),
                },
                ArgKind::MemRead | ArgKind::MemWrite | ArgKind::MapKey | ArgKind::MapValue => {
                    let Value::Ptr(p) = v else {
                        return Err(bad("pass a pointer"));
                    };
                    let mut len_min = None;
                    let len = match kind {
                        ArgKind::MapKey | ArgKind::MapValue => {
                            let Some(m) = map else {
                                return Err(bad("the map argument must come first"));
                            };
                            let def = self.config.maps[m as usize];
                            if kind == ArgKind::MapKey {
                                def.key_size as u64
                            } else {
                                def.value_size as u64
                            }
                        }
                        _ => {
                            let size_reg = r + 1;
                            let size = match st.regs.get(size_reg as usize) {
                                Some(Value::Scalar(s)) => *s,
                                _ => return Err(bad("pass the size in the next register")),
                            };
                            if size.umax() > 1 << 20 {
                                // The size is at fault, not the memory: name its register.
                                return Err(self
                                    .error(
                                        st,
                                        K::HelperArgument { arg: size_reg },
                                        slot,
                                        &[size_reg],
                                        "bound the size before the call (compare it with a \
                                         constant, or mask it)",
                                    )
                                    .fact(format!(
                                        "r{size_reg}, the size of the memory in r{r} that helper \
                                         {} reads or writes, may be as large as {} (at most \
                                         1 MiB is checked)",
                                        sig.name,
                                        size.umax()
                                    )));
                            }
                            len_min = Some(size.umin());
                            size.umax()
                        }
                    };
                    let write = kind == ArgKind::MemWrite;
                    let (lo, hi) = self.check_range(st, slot, r, &p, 0, len, write)?;
                    if write && p.region == Region::Context {
                        self.check_context_output(st, slot, r, lo, hi)?;
                    }
                    if let Region::Stack(d) = p.region {
                        if write {
                            self.record_frame_write(
                                st,
                                inst,
                                slot,
                                r,
                                d,
                                lo,
                                hi,
                                rec.as_deref_mut(),
                            );
                            let constant = p.off.as_constant().is_some();
                            // Surely written: the bytes below the least size, at an exact
                            // offset; the rest may or may not be.
                            let sure = lo + len_min.unwrap_or(len) as i64;
                            let frame = &mut st.frames[d as usize];
                            write_bytes(frame, lo, sure.min(hi), ByteKind::Misc, constant);
                            write_bytes(frame, sure.min(hi), hi, ByteKind::Misc, false);
                        } else {
                            for b in lo..hi {
                                let k = st.frames[d as usize].slot(slot_index(b)).bytes()
                                    [byte_index(b)];
                                if k == ByteKind::Uninit {
                                    return Err(self
                                        .error(
                                            st,
                                            K::UninitStack,
                                            slot,
                                            &[r],
                                            "initialise the memory passed to the helper",
                                        )
                                        .fact(format!(
                                            "byte r10{b:+} of frame {d} is uninitialised"
                                        )));
                                }
                                if k == ByteKind::Poison {
                                    return Err(self
                                        .error(
                                            st,
                                            K::PointerLeak,
                                            slot,
                                            &[r],
                                            "pass the helper numbers, not a spilled pointer",
                                        )
                                        .fact(format!(
                                            "byte r10{b:+} of frame {d} is part of a spilled \
                                             pointer"
                                        )));
                                }
                            }
                        }
                    } else if !write && p.region == Region::Context {
                        self.check_context_input(st, slot, r, lo, hi)?;
                    }
                }
            }
        }
        for r in 1..=5 {
            st.regs[r] = Value::Uninit;
        }
        st.regs[0] = match sig.ret {
            RetKind::Scalar => Value::Scalar(Scalar::unknown()),
            RetKind::NullableMapValue => {
                // The lookup runs again: the null checks and the object of its earlier
                // results no longer follow its new one.
                let id = slot as u32;
                let obj = id + 1;
                st.map_values(|v| match v {
                    Value::Ptr(p) if p.null_id == Some(id) || p.obj == obj => Value::Ptr(Pointer {
                        null_id: p.null_id.map(|n| if n == id { ANON_ID } else { n }),
                        obj: if p.obj == obj { ANON_OBJ } else { p.obj },
                        ..*p
                    }),
                    v => *v,
                });
                match map {
                    Some(m) => Value::Ptr(Pointer {
                        null_id: Some(id),
                        obj,
                        ..Pointer::new(Region::MapValue(m), Scalar::constant(0))
                    }),
                    None => Value::Scalar(Scalar::unknown()),
                }
            }
        };
        Ok(())
    }

    // ---- Branches ----------------------------------------------------------------------

    /// The state after `if dst cond src` has the outcome `taken`; `None` if it cannot.
    fn branch(
        &self,
        st: &State,
        slot: usize,
        cond: ICond,
        width: IWidth,
        source: Source,
        taken: bool,
    ) -> Result<Option<State>, VerifyError> {
        let insn = &self.insns[slot];
        let (dst, src) = (insn.dst, insn.src);
        let lhs = self.read(st, dst, slot)?;
        let rhs = match source {
            Source::Imm => Value::Scalar(Scalar::constant(insn.imm as u64)),
            Source::Reg => self.read(st, src, slot)?,
        };
        let regs: Vec<u8> = match source {
            Source::Reg => vec![dst, src],
            Source::Imm => vec![dst],
        };
        let cmp_err = |hint: &str| self.error(st, K::PointerComparison, slot, &regs, hint);
        let w = dom_width(width);
        let c = dom_cond(cond);
        let mut out = st.clone();
        match (lhs, rhs) {
            (Value::Mixed, _) => return Err(self.mixed(st, dst, slot)),
            (_, Value::Mixed) => return Err(self.mixed(st, src, slot)),
            (Value::Scalar(a), Value::Scalar(b)) => {
                let Some((a2, b2)) = refine(c, w, taken, &a, &b) else {
                    return Ok(None);
                };
                out.regs[dst as usize] = Value::Scalar(a2);
                if out.refine_copies(dst as usize, &a2).is_none() {
                    return Ok(None);
                }
                if source == Source::Reg && src != dst {
                    out.regs[src as usize] = Value::Scalar(b2);
                    if out.refine_copies(src as usize, &b2).is_none() {
                        return Ok(None);
                    }
                }
            }
            (Value::Ptr(p), Value::Scalar(z)) | (Value::Scalar(z), Value::Ptr(p))
                if z.as_constant() == Some(0) && matches!(cond, ICond::Eq | ICond::Ne) =>
            {
                if width == IWidth::W32 {
                    return Err(cmp_err("null checks compare all 64 bits"));
                }
                let is_null = (cond == ICond::Eq) == taken;
                let ptr_reg = if matches!(lhs, Value::Ptr(_)) {
                    dst
                } else {
                    src
                };
                match p.null_id {
                    None if is_null => return Ok(None),
                    None => {}
                    Some(id) => {
                        let fix = |v: &Value| -> Value {
                            if is_null {
                                Value::Scalar(Scalar::constant(0))
                            } else if let Value::Ptr(q) = v {
                                Value::Ptr(Pointer {
                                    null_id: None,
                                    ..*q
                                })
                            } else {
                                *v
                            }
                        };
                        out.regs[ptr_reg as usize] = fix(&out.regs[ptr_reg as usize]);
                        if id != ANON_ID {
                            out.map_values(|v| match v {
                                Value::Ptr(q) if q.null_id == Some(id) => fix(v),
                                v => *v,
                            });
                        }
                    }
                }
            }
            (Value::Ptr(p), Value::Ptr(q)) if p.region == q.region => {
                if width == IWidth::W32 || p.null_id.is_some() || q.null_id.is_some() {
                    return Err(cmp_err("compare non-null pointers with 64-bit jumps"));
                }
                if !p.same_object(&q) {
                    // Two objects of one region (two values of a map): their order is not
                    // their offsets'. Both outcomes stay possible, and nothing is learnt.
                    return Ok(Some(out));
                }
                let Some((a2, b2)) = refine(c, w, taken, &p.off, &q.off) else {
                    return Ok(None);
                };
                out.regs[dst as usize] = Value::Ptr(Pointer { off: a2, ..p });
                if src != dst {
                    out.regs[src as usize] = Value::Ptr(Pointer { off: b2, ..q });
                }
            }
            (Value::Ptr(p), Value::PacketEnd) | (Value::PacketEnd, Value::Ptr(p))
                if p.region == Region::Packet && p.null_id.is_none() =>
            {
                if width == IWidth::W32
                    || matches!(
                        cond,
                        ICond::Set | ICond::SGt | ICond::SGe | ICond::SLt | ICond::SLe
                    )
                {
                    return Err(cmp_err(
                        "compare data pointers with data_end with unsigned 64-bit jumps",
                    ));
                }
                let holds = if taken { cond } else { negate(cond) };
                let holds = if matches!(lhs, Value::PacketEnd) {
                    swap_cond(holds)
                } else {
                    holds
                };
                // `p holds end`: what it proves of the data length, for `data` (from the
                // least offset) and for the pointer's base (from its constant part).
                let extra = match holds {
                    ICond::Le | ICond::Eq => Some(0),
                    ICond::Lt => Some(1),
                    _ => None,
                };
                if let Some(extra) = extra {
                    let mut prove = |id: u32, n: i64| {
                        let r = out.pkt_ranges.entry(id).or_insert(n);
                        *r = (*r).max(n);
                    };
                    if p.off.smin() >= 0 {
                        prove(0, p.off.smin() + extra);
                    }
                    if p.pkt_id != ANON_ID {
                        prove(p.pkt_id, p.pkt_c + extra);
                    }
                }
            }
            (Value::PacketEnd, Value::PacketEnd) => {}
            _ => return Err(cmp_err(
                "compare pointers only with 0 (null checks) or with pointers into the same region",
            )),
        }
        Ok(Some(out))
    }
}

/// A copy an instruction makes, decided before it runs.
enum Copy {
    Reg { dst: usize, src: usize },
    Fill { dst: usize, frame: usize, index: u8 },
    Spill { frame: usize, index: u8, src: usize },
}

/// The aligned 8-byte stack slot an access through `base + off` hits exactly, if any.
fn exact_slot(st: &State, base: &Value, off: i16) -> Option<(usize, u8)> {
    let Value::Ptr(p) = base else { return None };
    let Region::Stack(d) = p.region else {
        return None;
    };
    let lo = (p.off.as_constant()? as i64).checked_add(off as i64)?;
    ((-STACK_SIZE..0).contains(&lo) && lo.rem_euclid(8) == 0 && (d as usize) < st.frames.len())
        .then(|| (d as usize, slot_index(lo)))
}

fn copy_effect(st: &State, insn: &Insn) -> Option<Copy> {
    let (dst, src) = (insn.dst as usize, insn.src as usize);
    match insn.semantics() {
        Semantics::Alu {
            op: IAlu::Mov,
            width: IWidth::W64,
            source: Source::Reg,
        } if matches!(st.regs[src], Value::Scalar(_)) => Some(Copy::Reg { dst, src }),
        Semantics::Load { size: Size::Dw, .. } => {
            let (frame, index) = exact_slot(st, &st.regs[src], insn.off)?;
            matches!(st.frames[frame].slot(index), Slot::Spill(Value::Scalar(_)))
                .then_some(Copy::Fill { dst, frame, index })
        }
        Semantics::Store {
            size: Size::Dw,
            source: Source::Reg,
        } if matches!(st.regs[src], Value::Scalar(_)) => {
            let (frame, index) = exact_slot(st, &st.regs[dst], insn.off)?;
            Some(Copy::Spill { frame, index, src })
        }
        _ => None,
    }
}

/// The registers an instruction writes.
fn written_regs(insn: &Insn) -> Vec<usize> {
    match insn.semantics() {
        Semantics::Alu { .. }
        | Semantics::Neg { .. }
        | Semantics::MovSx { .. }
        | Semantics::Endian { .. }
        | Semantics::Load { .. }
        | Semantics::LoadImm64 { .. } => vec![insn.dst as usize],
        Semantics::Atomic { op, .. } => match op {
            AtomicOp::CmpXchg => vec![0],
            AtomicOp::Add | AtomicOp::Or | AtomicOp::And | AtomicOp::Xor => vec![],
            _ => vec![insn.src as usize],
        },
        Semantics::Call { .. } => (0..=5).collect(),
        _ => vec![],
    }
}

struct Sweep {
    incoming: Vec<Option<State>>,
    first_pred: Vec<Option<(usize, Option<PathStep>)>>,
    errors: Vec<(usize, VerifyError)>,
    entry_states: BTreeMap<usize, State>,
    live_back_edges: BTreeSet<(usize, usize)>,
}

fn path_to(first_pred: &[Option<(usize, Option<PathStep>)>], node: usize) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut cur = node;
    let mut guard = 0;
    while let Some((pred, step)) = first_pred[cur] {
        if let Some(s) = step {
            steps.push(s);
        }
        cur = pred;
        guard += 1;
        if guard > first_pred.len() {
            break;
        }
    }
    steps.reverse();
    steps
}

fn stack_ptr(depth: u8) -> Value {
    Value::Ptr(Pointer::new(Region::Stack(depth), Scalar::constant(0)))
}

/// The slot holding byte offset `b` (from r10; `-512..0`).
pub(crate) fn slot_index(b: i64) -> u8 {
    ((b + STACK_SIZE).div_euclid(8)).clamp(0, N_SLOTS as i64 - 1) as u8
}

fn byte_index(b: i64) -> usize {
    (b + STACK_SIZE).rem_euclid(8) as usize
}

fn slot_start(b: i64) -> i64 {
    b - byte_index(b) as i64
}

fn mask(bytes: u32) -> u64 {
    if bytes >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * bytes)) - 1
    }
}

fn sign_extend(v: u64, bytes: u32) -> u64 {
    let shift = 64 - 8 * bytes;
    (((v << shift) as i64) >> shift) as u64
}

/// Writes `kind` into bytes `lo..hi`: strongly when the offset is exact, else weakly (a byte
/// that may not be written keeps the worse of its old and new state).
fn write_bytes(frame: &mut Frame, lo: i64, hi: i64, kind: ByteKind, strong: bool) {
    let mut b = lo;
    while b < hi {
        let i = slot_index(b);
        let mut bytes = frame.slot(i).bytes();
        while b < hi && slot_index(b) == i {
            let k = &mut bytes[byte_index(b)];
            *k = if strong { kind } else { (*k).max(kind) };
            b += 1;
        }
        frame.set_slot(i, Slot::Bytes(bytes));
    }
}

fn dom_width(w: IWidth) -> Width {
    match w {
        IWidth::W32 => Width::W32,
        IWidth::W64 => Width::W64,
    }
}

fn dom_op(op: IAlu) -> AluOp {
    match op {
        IAlu::Add => AluOp::Add,
        IAlu::Sub => AluOp::Sub,
        IAlu::Mul => AluOp::Mul,
        IAlu::Div => AluOp::Div,
        IAlu::SDiv => AluOp::SDiv,
        IAlu::Or => AluOp::Or,
        IAlu::And => AluOp::And,
        IAlu::Lsh => AluOp::Lsh,
        IAlu::Rsh => AluOp::Rsh,
        IAlu::Mod => AluOp::Mod,
        IAlu::SMod => AluOp::SMod,
        IAlu::Xor => AluOp::Xor,
        IAlu::Mov => AluOp::Mov,
        IAlu::Arsh => AluOp::Arsh,
    }
}

pub(crate) fn dom_cond(c: ICond) -> Cond {
    match c {
        ICond::Eq => Cond::Eq,
        ICond::Gt => Cond::Gt,
        ICond::Ge => Cond::Ge,
        ICond::Set => Cond::Set,
        ICond::Ne => Cond::Ne,
        ICond::SGt => Cond::SGt,
        ICond::SGe => Cond::SGe,
        ICond::Lt => Cond::Lt,
        ICond::Le => Cond::Le,
        ICond::SLt => Cond::SLt,
        ICond::SLe => Cond::SLe,
    }
}

/// The condition that holds when `c` does not (`Set` stays `Set`: callers treat it apart).
pub(crate) fn negate(c: ICond) -> ICond {
    match c {
        ICond::Eq => ICond::Ne,
        ICond::Ne => ICond::Eq,
        ICond::Gt => ICond::Le,
        ICond::Le => ICond::Gt,
        ICond::Ge => ICond::Lt,
        ICond::Lt => ICond::Ge,
        ICond::SGt => ICond::SLe,
        ICond::SLe => ICond::SGt,
        ICond::SGe => ICond::SLt,
        ICond::SLt => ICond::SGe,
        ICond::Set => ICond::Set,
    }
}

/// `a c b` as `b c' a`.
pub(crate) fn swap_cond(c: ICond) -> ICond {
    match c {
        ICond::Gt => ICond::Lt,
        ICond::Lt => ICond::Gt,
        ICond::Ge => ICond::Le,
        ICond::Le => ICond::Ge,
        ICond::SGt => ICond::SLt,
        ICond::SLt => ICond::SGt,
        ICond::SGe => ICond::SLe,
        ICond::SLe => ICond::SGe,
        c => c,
    }
}
