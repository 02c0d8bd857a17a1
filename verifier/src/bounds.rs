//! Termination and the worst-case instruction count, without unrolling.
//!
//! For each natural loop (in each function instance) we look for an *induction variable*: a
//! register or an 8-byte slot of the frame, holding a scalar or a pointer, whose value on
//! every back edge is its value at the header plus a step of constant sign. A small *delta
//! analysis* over the loop body finds them: it tracks, per location, `header_value(v) +
//! [dmin, dmax]` through `mov`, `add`/`sub` of immediates, spills and fills (a 32-bit
//! operation marks the relation as holding for the low 32 bits only, and so does clang's
//! zero-extension by shifts, `r <<= 32; r >>= 32`), and forgets anything else. An *exit
//! branch* is a conditional jump in a block that dominates every latch, with one target
//! outside the loop, comparing `v + delta` with an immediate or with a register whose value
//! at the branch is its value at the header (its range is then the header's, from the main
//! analysis). From the range of `v` on entry to the loop (the join of the header's
//! non-back-edge predecessors) and the limit's range, the number `N` of back edges any run
//! can take follows by integer arithmetic, guarding against wrap-around in the comparison's
//! interpretation (unsigned or signed, 64 or 32 bits). `!=` is accepted only with steps of
//! exactly one and a start on the right side of the limit.
//!
//! The bound is fed back as an invariant at the header (`v` in `[x0_min, x0_max + N*step]`
//! for an increasing variable), which keeps clang's `i != n` loops bounded after widening.
//! The loop's other induction variables get one too, from the same `N` and their own step
//! (a pointer stepped beside the counter the exit tests), when their relation is on 64 bits
//! and the range cannot wrap. A run that failed inside a loop body still counts the loop's
//! back edges as taken, so that its invariants are derived for the next run (which must
//! confirm them: see `verify`).
//!
//! Worst case, per function instance: a block outside loops counts once, a loop counts
//! `(N + 1)` times its own blocks plus its inner loops' worst cases, a local call counts the
//! callee instance's worst case, and a helper call counts one.
//!
//! Not handled: induction variables stepped by a register, loops whose only exit tests a
//! value derived by something other than `+`/`-` of constants (such loops are rejected,
//! named).

use std::collections::BTreeMap;

use ringfence_isa::{AluOp as IAlu, Cond as ICond, Insn, Semantics, Size, Source, Width as IWidth};

use crate::analysis::{negate, slot_index, swap_cond, Analyzer, Invariants, Loc, Run};
use crate::cfg::{Func, Loop, Term};
use crate::domain::Scalar;
use crate::error::{VerifyError, VerifyErrorKind};
use crate::program_type::Context;
use crate::state::{Region, Slot, State, Value, N_SLOTS};

/// What the bound analysis found.
#[derive(Clone, Debug)]
pub(crate) struct Bounds {
    /// Invariants at loop headers, to feed back into the main analysis.
    pub invariants: Invariants,
    /// The worst-case instruction count of the whole program.
    pub worst_case: u64,
    /// The first loop that could not be bounded.
    pub error: Option<VerifyError>,
}

const N_LOCS: usize = 11 + N_SLOTS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expr {
    Unknown,
    Rel {
        base: usize,
        lo: i64,
        hi: i64,
        w32: bool,
    },
    /// The low 32 bits of `header_value(base) + [lo, hi]`, shifted into the high half:
    /// half of clang's zero-extension `r <<= 32; r >>= 32`, whose second shift gives back
    /// the relation on the low 32 bits.
    High32 {
        base: usize,
        lo: i64,
        hi: i64,
    },
}

type DState = Vec<Expr>;

fn loc_of(i: usize) -> Loc {
    if i < 11 {
        Loc::Reg(i as u8)
    } else {
        Loc::Slot((i - 11) as u8)
    }
}

fn identity() -> DState {
    (0..N_LOCS)
        .map(|i| Expr::Rel {
            base: i,
            lo: 0,
            hi: 0,
            w32: false,
        })
        .collect()
}

fn shift(e: Expr, by: i64, w32: bool) -> Expr {
    match e {
        Expr::Rel {
            base,
            lo,
            hi,
            w32: w,
        } => match (lo.checked_add(by), hi.checked_add(by)) {
            (Some(lo), Some(hi)) if lo.abs() < 1 << 40 && hi.abs() < 1 << 40 => Expr::Rel {
                base,
                lo,
                hi,
                w32: w || w32,
            },
            _ => Expr::Unknown,
        },
        Expr::Unknown | Expr::High32 { .. } => Expr::Unknown,
    }
}

fn join_expr(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (
            Expr::Rel {
                base: b1,
                lo: l1,
                hi: h1,
                w32: w1,
            },
            Expr::Rel {
                base: b2,
                lo: l2,
                hi: h2,
                w32: w2,
            },
        ) if b1 == b2 => Expr::Rel {
            base: b1,
            lo: l1.min(l2),
            hi: h1.max(h2),
            w32: w1 || w2,
        },
        (
            Expr::High32 {
                base: b1,
                lo: l1,
                hi: h1,
            },
            Expr::High32 {
                base: b2,
                lo: l2,
                hi: h2,
            },
        ) if b1 == b2 => Expr::High32 {
            base: b1,
            lo: l1.min(l2),
            hi: h1.max(h2),
        },
        _ => Expr::Unknown,
    }
}

fn clobber_slots(st: &mut DState, lo: i64, hi: i64) {
    if hi <= lo {
        return;
    }
    let (a, b) = (slot_index(lo), slot_index(hi - 1));
    for i in a..=b {
        st[11 + i as usize] = Expr::Unknown;
    }
}

/// The delta analysis of one loop in one instance: the state at the end of each body block.
fn delta(
    insns: &[Insn],
    an: &Analyzer<'_>,
    lp: &Loop,
    writes: &BTreeMap<usize, Vec<(i64, i64)>>,
) -> BTreeMap<usize, DState> {
    let blocks = &an.cfg.blocks;
    let mut ins: BTreeMap<usize, DState> = BTreeMap::from([(lp.header, identity())]);
    let mut outs: BTreeMap<usize, DState> = BTreeMap::new();
    let mut visits: BTreeMap<usize, u32> = BTreeMap::new();
    let mut order: Vec<usize> = lp.body.iter().copied().collect();
    order.sort_by_key(|&b| an.block_pos[b]);
    let pos: BTreeMap<usize, usize> = order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let mut work: std::collections::BTreeSet<usize> = std::collections::BTreeSet::from([0]);
    while let Some(p) = work.pop_first() {
        let b = order[p];
        let Some(mut st) = ins.get(&b).cloned() else {
            continue;
        };
        let block = &blocks[b];
        let mut slot = block.start;
        while slot <= block.last {
            step(&insns[slot], slot, &mut st, writes);
            slot += insns[slot].n_slots();
        }
        if let Term::Call { .. } = block.term {
            for e in st.iter_mut().take(6) {
                *e = Expr::Unknown;
            }
            for e in st.iter_mut().skip(11) {
                *e = Expr::Unknown;
            }
        }
        for &s in &block.succs {
            if s == lp.header || !lp.body.contains(&s) {
                continue;
            }
            let changed = match ins.get(&s) {
                None => {
                    ins.insert(s, st.clone());
                    true
                }
                Some(old) => {
                    let v = visits.entry(s).or_insert(0);
                    *v += 1;
                    let widen = *v > 3;
                    let new: DState = old
                        .iter()
                        .zip(&st)
                        .map(|(&a, &b)| {
                            let j = join_expr(a, b);
                            if widen && j != a {
                                Expr::Unknown
                            } else {
                                j
                            }
                        })
                        .collect();
                    let changed = &new != old;
                    ins.insert(s, new);
                    changed
                }
            };
            if changed {
                work.insert(pos[&s]);
            }
        }
        outs.insert(b, st);
    }
    outs
}

fn step(insn: &Insn, slot: usize, st: &mut DState, writes: &BTreeMap<usize, Vec<(i64, i64)>>) {
    let (dst, src) = (insn.dst as usize, insn.src as usize);
    if let Some(ws) = writes.get(&slot) {
        for &(lo, hi) in ws {
            clobber_slots(st, lo, hi);
        }
    }
    match insn.semantics() {
        Semantics::Alu { op, width, source } => {
            let w32 = width == IWidth::W32;
            st[dst] = match (op, source) {
                (IAlu::Mov, Source::Reg) => match st[src] {
                    Expr::Rel {
                        base,
                        lo,
                        hi,
                        w32: w,
                    } => Expr::Rel {
                        base,
                        lo,
                        hi,
                        w32: w || w32,
                    },
                    // A 32-bit move of a high half keeps only zeros.
                    Expr::High32 { .. } if w32 => Expr::Unknown,
                    e => e,
                },
                (IAlu::Add, Source::Imm) => shift(st[dst], insn.imm, w32),
                (IAlu::Sub, Source::Imm) => match insn.imm.checked_neg() {
                    Some(n) => shift(st[dst], n, w32),
                    None => Expr::Unknown,
                },
                (IAlu::Lsh, Source::Imm) if insn.imm == 32 && !w32 => match st[dst] {
                    Expr::Rel { base, lo, hi, .. } => Expr::High32 { base, lo, hi },
                    _ => Expr::Unknown,
                },
                (IAlu::Rsh, Source::Imm) if insn.imm == 32 && !w32 => match st[dst] {
                    Expr::High32 { base, lo, hi } => Expr::Rel {
                        base,
                        lo,
                        hi,
                        w32: true,
                    },
                    _ => Expr::Unknown,
                },
                _ => Expr::Unknown,
            };
        }
        Semantics::Neg { .. }
        | Semantics::MovSx { .. }
        | Semantics::Endian { .. }
        | Semantics::LoadImm64 { .. } => st[dst] = Expr::Unknown,
        Semantics::Load { size, .. } => {
            st[dst] = if src == 10 && size == Size::Dw && insn.off.rem_euclid(8) == 0 {
                st[11 + slot_index(insn.off as i64) as usize]
            } else {
                Expr::Unknown
            };
        }
        Semantics::Store { size, source } => {
            if dst == 10 {
                let off = insn.off as i64;
                if size == Size::Dw && off.rem_euclid(8) == 0 && source == Source::Reg {
                    st[11 + slot_index(off) as usize] = st[src];
                } else {
                    clobber_slots(st, off, off + size.bytes() as i64);
                }
            }
        }
        Semantics::Atomic { size, op } => {
            if dst == 10 {
                let off = insn.off as i64;
                clobber_slots(st, off, off + size.bytes() as i64);
            }
            use ringfence_isa::AtomicOp::*;
            match op {
                FetchAdd | FetchOr | FetchAnd | FetchXor | Xchg => st[src] = Expr::Unknown,
                CmpXchg => st[0] = Expr::Unknown,
                _ => {}
            }
        }
        Semantics::Call { .. } => {
            for e in st.iter_mut().take(6) {
                *e = Expr::Unknown;
            }
        }
        Semantics::Goto { .. } | Semantics::Branch { .. } | Semantics::Exit => {}
    }
}

/// How a comparison reads its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Interp {
    U64,
    S64,
    U32,
    S32,
}

fn view(s: &Scalar, i: Interp) -> (i128, i128) {
    match i {
        Interp::U64 => (s.umin() as i128, s.umax() as i128),
        Interp::S64 => (s.smin() as i128, s.smax() as i128),
        Interp::U32 => (s.u32_min() as i128, s.u32_max() as i128),
        Interp::S32 => (s.s32_min() as i128, s.s32_max() as i128),
    }
}

fn domain_of(i: Interp) -> (i128, i128) {
    match i {
        Interp::U64 => (0, u64::MAX as i128),
        Interp::S64 => (i64::MIN as i128, i64::MAX as i128),
        Interp::U32 => (0, u32::MAX as i128),
        Interp::S32 => (i32::MIN as i128, i32::MAX as i128),
    }
}

/// The most back edges a loop can take, and the range of `x` at the header, if `y = x + b`
/// continues while `y cont k`, `x` starting in `x0` and moving by `s` per iteration, every
/// value staying within `dom` (so that no comparison sees a wrapped value).
///
/// Wrap-around: if iteration `j` continues, `y_j` is at most the last continuing value
/// (increasing case), so `x_{j+1} <= y_last - b_min + s_max`; with that and `x0` within
/// `dom`, by induction every value is an unwrapped integer.
fn trip_bound(
    cont: ICond,
    x0: (i128, i128),
    b: (i128, i128),
    s: (i128, i128),
    k: (i128, i128),
    dom: (i128, i128),
) -> Result<(i128, (i128, i128)), String> {
    use ICond::*;
    let up = s.0 > 0;
    if !(up || s.1 < 0) {
        return Err("its step may be zero or change sign".into());
    }
    let count = |from: i128, to: i128, by: i128| {
        if to < from {
            0
        } else {
            (to - from) / by + 1
        }
    };
    // `!=` exits: a step of exactly 1, or an exact start that reaches the exact limit in
    // whole steps.
    let exact_stride =
        s.0 == s.1 && x0.0 == x0.1 && b.0 == b.1 && k.0 == k.1 && (k.0 - x0.0 - b.0) % s.0 == 0;
    if cont == Ne && (s.0 != s.1 || b.0 != b.1 || k.0 != k.1 || (s.0.abs() != 1 && !exact_stride)) {
        return Err(
            "a `!=` exit needs an exact limit and a step of 1, or an exact start that reaches \
             the limit in whole steps"
                .into(),
        );
    }
    if cont == Ne && (up && x0.1 + b.0 > k.0 || !up && x0.0 + b.0 < k.0) {
        return Err("the variable may start past its `!=` limit".into());
    }
    // The last value of y that continues (increasing) or the first (decreasing).
    let (n, y_edge) = match (up, cont) {
        (true, Lt | SLt) => (count(x0.0 + b.0, k.1 - 1, s.0), k.1 - 1),
        (true, Le | SLe) => (count(x0.0 + b.0, k.1, s.0), k.1),
        (true, Ne) => ((k.0 - (x0.0 + b.0)) / s.0, k.0 - s.0),
        (true, Eq) => (1, k.1),
        (false, Gt | SGt) => (count(k.0 + 1, x0.1 + b.1, -s.1), k.0 + 1),
        (false, Ge | SGe) => (count(k.0, x0.1 + b.1, -s.1), k.0),
        (false, Ne) => (((x0.1 + b.0) - k.0) / -s.1, k.0 - s.1),
        (false, Eq) => (1, k.0),
        _ => {
            return Err(format!(
                "the loop continues while the variable ({}) moves away from its limit",
                if up { "increasing" } else { "decreasing" }
            ))
        }
    };
    let n = n.max(0);
    let range = if up {
        (x0.0, x0.1.max(y_edge - b.0 + s.1))
    } else {
        (x0.0.min(y_edge - b.1 + s.0), x0.1)
    };
    let ok = range.0 >= dom.0
        && range.1 <= dom.1
        && range.0 + b.0.min(0) >= dom.0
        && range.1 + b.1.max(0) <= dom.1;
    if !ok || k.0 < dom.0 || k.1 > dom.1 {
        return Err("the variable may wrap around before the exit test fails".into());
    }
    Ok((n, range))
}

fn loc_value(st: &State, loc: Loc) -> Option<Value> {
    match loc {
        Loc::Reg(r) => Some(st.regs[r as usize]),
        Loc::Slot(i) => match st.frame().slot(i) {
            Slot::Spill(v) => Some(v),
            Slot::Bytes(_) => None,
        },
    }
}

struct Proof {
    n: i128,
    loc: Loc,
    invariant: Option<Scalar>,
    /// Invariants of the loop's other induction variables, from the same bound.
    others: Vec<(Loc, Scalar)>,
}

/// Bounds every loop, computes the worst case, and derives header invariants.
pub(crate) fn analyze(an: &Analyzer<'_>, run: &Run) -> Bounds {
    let insns = an.insns;
    let mut invariants = Invariants::new();
    let mut error = None;
    let mut worst: Vec<u128> = vec![0; an.instances.len()];
    for inst in (0..an.instances.len()).rev() {
        let func = &an.cfg.funcs[an.instances[inst].func];
        let mut writes: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
        if let Some(ws) = run.frame_writes.get(&inst) {
            for &(slot, lo, hi) in ws {
                writes.entry(slot).or_default().push((lo, hi));
            }
        }
        let mut trips: Vec<u128> = vec![0; func.loops.len()];
        for (li, lp) in func.loops.iter().enumerate() {
            let h = an.node(inst, lp.header);
            if run.states[h].is_none() {
                continue;
            }
            let latches: Vec<usize> = lp
                .latches
                .iter()
                .copied()
                .filter(|&l| run.live_back_edges.contains(&(an.node(inst, l), h)))
                .collect();
            if latches.is_empty() {
                continue;
            }
            match prove(an, run, inst, func, lp, &latches, &writes) {
                Ok(p) => {
                    trips[li] = p.n as u128;
                    // No entry without an invariant: `verify` compares these maps to
                    // decide whether another run could change anything.
                    let found: Vec<(Loc, Scalar)> = p
                        .invariant
                        .map(|inv| (p.loc, inv))
                        .into_iter()
                        .chain(p.others)
                        .collect();
                    if !found.is_empty() {
                        invariants.entry(h).or_default().extend(found);
                    }
                }
                Err(reasons) => {
                    if error.is_none() {
                        let latch = an.cfg.blocks[latches[0]].last;
                        let header = an.cfg.blocks[lp.header].start;
                        let mut e = VerifyError::at(
                            insns,
                            VerifyErrorKind::UnboundedLoop { header, latch },
                            latch,
                            "count with a register or stack slot stepped by a constant and \
                             compared against a constant or a bounded register",
                        );
                        e.facts = reasons;
                        e.path = run.path_to(an.node(inst, latches[0]));
                        error = Some(e);
                    }
                }
            }
        }
        // Worst case of this instance.
        let block_cost = |b: usize| -> u128 {
            if run.states[an.node(inst, b)].is_none() {
                return 0;
            }
            let blk = &an.cfg.blocks[b];
            let n = (blk.start..blk.end)
                .filter(|&s| !insns[s].is_lddw_tail())
                .count() as u128;
            let call = match blk.term {
                Term::Call { .. } => worst[an.instances[inst].children[&blk.last]],
                _ => 0,
            };
            n.saturating_add(call)
        };
        let mut own: Vec<u128> = vec![0; func.loops.len()];
        let mut top: u128 = 0;
        for &b in &func.order {
            let c = block_cost(b);
            match func.innermost.get(&b).copied() {
                Some(l) => own[l] = own[l].saturating_add(c),
                None => top = top.saturating_add(c),
            }
        }
        // Loops from the innermost out: sort by body size.
        let mut by_size: Vec<usize> = (0..func.loops.len()).collect();
        by_size.sort_by_key(|&l| func.loops[l].body.len());
        let mut total: Vec<u128> = vec![0; func.loops.len()];
        for &l in &by_size {
            total[l] = (trips[l] + 1).saturating_mul(own[l]).min(u64::MAX as u128);
            match func.loops[l].parent {
                Some(p) => own[p] = own[p].saturating_add(total[l]),
                None => top = top.saturating_add(total[l]),
            }
        }
        worst[inst] = top.min(u64::MAX as u128);
    }
    Bounds {
        invariants,
        worst_case: worst[0] as u64,
        error,
    }
}

fn prove(
    an: &Analyzer<'_>,
    run: &Run,
    inst: usize,
    func: &Func,
    lp: &Loop,
    latches: &[usize],
    writes: &BTreeMap<usize, Vec<(i64, i64)>>,
) -> Result<Proof, Vec<String>> {
    let insns = an.insns;
    let h = an.node(inst, lp.header);
    let header_state = run.states[h].as_ref().expect("reachable header");
    let Some(entry) = run.entry_states.get(&h) else {
        return Err(vec!["the loop has no entry state".into()]);
    };
    let outs = delta(insns, an, lp, writes);
    // Induction variables: the step on every live back edge.
    let mut steps: BTreeMap<usize, (i64, i64, bool)> = BTreeMap::new();
    for v in 0..N_LOCS {
        let mut acc: Option<(i64, i64, bool)> = None;
        for &l in latches {
            match outs.get(&l).map(|s| s[v]) {
                Some(Expr::Rel { base, lo, hi, w32 }) if base == v => {
                    acc = Some(match acc {
                        None => (lo, hi, w32),
                        Some((a, b, w)) => (a.min(lo), b.max(hi), w || w32),
                    });
                }
                _ => {
                    acc = None;
                    break;
                }
            }
        }
        if let Some((lo, hi, w)) = acc {
            if lo > 0 || hi < 0 {
                steps.insert(v, (lo, hi, w));
            }
        }
    }
    let mut reasons = Vec::new();
    if steps.is_empty() {
        reasons.push(
            "no register or stack slot changes by a constant-sign step on every back edge".into(),
        );
    }
    let mut best: Option<Proof> = None;
    for &b in &lp.body {
        let blk = &an.cfg.blocks[b];
        let Term::Branch { taken, fall } = blk.term else {
            continue;
        };
        let (t_in, f_in) = (lp.body.contains(&taken), lp.body.contains(&fall));
        if t_in == f_in {
            continue;
        }
        if !latches.iter().all(|&l| func.dominates(b, l)) {
            reasons.push(format!(
                "the exit test at {} does not dominate every back edge",
                blk.last
            ));
            continue;
        }
        let Some(ds) = outs.get(&b) else { continue };
        let insn = &insns[blk.last];
        let Semantics::Branch {
            cond,
            width,
            source,
        } = insn.semantics()
        else {
            continue;
        };
        if cond == ICond::Set {
            continue;
        }
        let cont = if t_in { cond } else { negate(cond) };
        // Orientations: (y register, limit register or immediate, cond as `y cont k`).
        let mut sides: Vec<(u8, Option<u8>, ICond)> =
            vec![(insn.dst, (source == Source::Reg).then_some(insn.src), cont)];
        if source == Source::Reg {
            sides.push((insn.src, Some(insn.dst), swap_cond(cont)));
        }
        for (y, k, cont) in sides {
            let Expr::Rel {
                base: v,
                lo: blo,
                hi: bhi,
                w32: bw,
            } = ds[y as usize]
            else {
                continue;
            };
            let Some(&(slo, shi, sw)) = steps.get(&v) else {
                continue;
            };
            let loc = loc_of(v);
            match try_proof(
                an,
                header_state,
                entry,
                ds,
                insn,
                width,
                cont,
                loc,
                (blo, bhi),
                (slo, shi),
                bw || sw,
                k,
            ) {
                Ok(p) => {
                    if best.as_ref().is_none_or(|q| p.n < q.n) {
                        best = Some(p);
                    }
                }
                Err(r) => reasons.push(format!("exit test at {}: {r}", blk.last)),
            }
        }
    }
    if best.is_none() && reasons.is_empty() {
        reasons.push("no conditional jump leaves the loop".into());
    }
    let mut best = best.ok_or(reasons)?;
    best.others = steps
        .iter()
        .filter(|&(&v, _)| loc_of(v) != best.loc)
        .filter_map(|(&v, &step)| {
            let x0 = loc_value(entry, loc_of(v))?;
            Some((loc_of(v), follower_invariant(x0, step, best.n)?))
        })
        .collect();
    Ok(best)
}

/// The range at the header of an induction variable that is not the one the exit test
/// compares (clang keeps a pointer and a counter side by side): its entry value `x0` moved
/// by at most `n` back edges, each adding a step in `[lo, hi]` (all of one sign). `None` for
/// a relation that holds on the low 32 bits only, or when the range could wrap.
fn follower_invariant(x0: Value, (lo, hi, w32): (i64, i64, bool), n: i128) -> Option<Scalar> {
    if w32 {
        return None;
    }
    // The furthest the variable can move, down (negative) or up.
    let (down, up) = if lo > 0 {
        (0, n * hi as i128)
    } else {
        (n * lo as i128, 0)
    };
    match x0 {
        Value::Ptr(p) if p.null_id.is_none() => {
            let (min, max) = (p.off.smin() as i128 + down, p.off.smax() as i128 + up);
            let limit = 1i128 << 62;
            (min > -limit && max < limit).then(|| Scalar::signed_range(min as i64, max as i64))
        }
        Value::Scalar(x) => {
            let (min, max) = (x.umin() as i128 + down, x.umax() as i128 + up);
            if min >= 0 && max <= u64::MAX as i128 {
                return Some(Scalar::range(min as u64, max as u64));
            }
            let (min, max) = (x.smin() as i128 + down, x.smax() as i128 + up);
            (min >= i64::MIN as i128 && max <= i64::MAX as i128)
                .then(|| Scalar::signed_range(min as i64, max as i64))
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn try_proof(
    an: &Analyzer<'_>,
    header: &State,
    entry: &State,
    ds: &DState,
    insn: &Insn,
    width: IWidth,
    cont: ICond,
    loc: Loc,
    b: (i64, i64),
    s: (i64, i64),
    w32: bool,
    k: Option<u8>,
) -> Result<Proof, String> {
    use ICond::*;
    let signed = matches!(cont, SGt | SGe | SLt | SLe);
    let interp = match (width, signed) {
        (IWidth::W64, false) => Interp::U64,
        (IWidth::W64, true) => Interp::S64,
        (IWidth::W32, false) => Interp::U32,
        (IWidth::W32, true) => Interp::S32,
    };
    let x0v = loc_value(entry, loc).ok_or("the variable is not a spilled register on entry")?;
    // The limit's value: an immediate, or a register holding its header value.
    let kv = match k {
        None => Value::Scalar(Scalar::constant(insn.imm as u64)),
        Some(r) => {
            match ds[r as usize] {
                Expr::Rel {
                    base,
                    lo: 0,
                    hi: 0,
                    w32: false,
                } if base == r as usize => {}
                _ => return Err(format!("the limit r{r} changes inside the loop")),
            }
            header.regs[r as usize]
        }
    };
    let (x0, kr, mut dom, is_ptr) = match (x0v, kv) {
        (Value::Scalar(x), Value::Scalar(k)) => {
            (view(&x, interp), view(&k, interp), domain_of(interp), false)
        }
        (Value::Ptr(p), Value::Ptr(q)) if p.same_object(&q) && p.null_id.is_none() => {
            if width == IWidth::W32 || signed {
                return Err("pointers compare with unsigned 64-bit jumps".into());
            }
            (
                view(&p.off, Interp::S64),
                view(&q.off, Interp::S64),
                (0, 1i128 << 62),
                true,
            )
        }
        (Value::Ptr(p), Value::PacketEnd) if p.region == Region::Packet => {
            let max = match &an.ptype.context {
                Context::Struct(l) => l.max_data_len as i128,
                Context::Mem { .. } => 0,
            };
            (view(&p.off, Interp::S64), (0, max), (0, 1i128 << 62), true)
        }
        _ => {
            return Err("the variable and its limit are not comparable numbers or pointers".into())
        }
    };
    if w32 && width == IWidth::W64 {
        // The relation holds on the low 32 bits: require the value to stay below 2^32.
        dom = (0, u32::MAX as i128);
    }
    let (n, (lo, hi)) = trip_bound(
        cont,
        x0,
        (b.0 as i128, b.1 as i128),
        (s.0 as i128, s.1 as i128),
        kr,
        dom,
    )?;
    let invariant = if is_ptr {
        Some(Scalar::signed_range(lo as i64, hi as i64))
    } else {
        let Value::Scalar(x) = x0v else {
            unreachable!("scalar case")
        };
        match interp {
            Interp::U64 => Some(Scalar::range(lo as u64, hi as u64)),
            Interp::S64 => Some(Scalar::signed_range(lo as i64, hi as i64)),
            // A 32-bit view: usable for the whole value when that stays small and
            // non-negative throughout.
            Interp::U32 | Interp::S32 => {
                (x.umax() <= u32::MAX as u64 && lo >= 0 && hi <= u32::MAX as i128)
                    .then(|| Scalar::range(lo as u64, hi as u64))
            }
        }
    };
    Ok(Proof {
        n,
        loc,
        invariant,
        others: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const U64: (i128, i128) = (0, u64::MAX as i128);
    const U32: (i128, i128) = (0, u32::MAX as i128);

    fn exact(v: i128) -> (i128, i128) {
        (v, v)
    }

    #[test]
    fn counting_up_to_a_limit() {
        use ICond::*;
        // for (i = 0; i < 10; i++), tested after the increment: y = i + 1.
        let (n, range) = trip_bound(Lt, exact(0), exact(1), exact(1), exact(10), U64).unwrap();
        assert_eq!((n, range), (9, (0, 9)));
        let (n, _) = trip_bound(Le, exact(0), exact(1), exact(1), exact(10), U64).unwrap();
        assert_eq!(n, 10);
        // Tested before the increment: y = i.
        let (n, range) = trip_bound(Lt, exact(0), exact(0), exact(1), exact(10), U64).unwrap();
        assert_eq!((n, range), (10, (0, 10)));
        // Never enters a second iteration.
        let (n, _) = trip_bound(Lt, exact(20), exact(1), exact(1), exact(10), U64).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn not_equal_needs_exact_strides() {
        use ICond::*;
        let (n, range) = trip_bound(Ne, exact(0), exact(1), exact(1), exact(20), U64).unwrap();
        assert_eq!((n, range), (19, (0, 19)));
        let (n, _) = trip_bound(Ne, exact(0), exact(8), exact(8), exact(32), U64).unwrap();
        assert_eq!(n, 3);
        assert!(trip_bound(Ne, exact(0), exact(8), exact(8), exact(28), U64).is_err());
        assert!(trip_bound(Ne, (0, 3), exact(2), exact(2), exact(16), U64).is_err());
        // Starting past the limit wraps all the way round.
        assert!(trip_bound(Ne, exact(21), exact(1), exact(1), exact(20), U64).is_err());
    }

    #[test]
    fn counting_down() {
        use ICond::*;
        // for (i = 10; i != 0; i--), tested after the decrement.
        let (n, range) = trip_bound(Ne, exact(10), exact(-1), exact(-1), exact(0), U64).unwrap();
        assert_eq!((n, range), (9, (1, 10)));
        let (n, _) = trip_bound(
            SGe,
            exact(100),
            exact(-3),
            exact(-3),
            exact(0),
            domain_of(Interp::S64),
        )
        .unwrap();
        assert_eq!(n, 33);
        // Unsigned `>= 0` always holds: the count would wrap.
        assert!(trip_bound(Ge, exact(100), exact(-3), exact(-3), exact(0), U64).is_err());
    }

    #[test]
    fn wrap_around_is_refused() {
        use ICond::*;
        // A 32-bit counter compared with 2^32 never reaches it.
        assert!(trip_bound(Lt, exact(0), exact(1), exact(1), exact(1 << 32), U32).is_err());
        assert!(trip_bound(Lt, exact(0), exact(1), exact(1), exact(0xffff), U32).is_ok());
        // Moving away from the limit.
        assert!(trip_bound(Gt, exact(0), exact(1), exact(1), exact(10), U64).is_err());
        // A step that may be zero.
        assert!(trip_bound(Lt, exact(0), exact(0), (0, 1), exact(10), U64).is_err());
    }
}
