//! The program's structure, checked before any value is looked at: instructions well formed,
//! jumps inside their function and never into an lddw, no fall-through off a function's end,
//! functions (entry 0 and every local-call target), an acyclic call graph at most
//! [`MAX_FRAMES`] deep, basic blocks, dominators (Cooper, Harvey and Kennedy, "A Simple, Fast
//! Dominance Algorithm", 2001), and natural loops from back edges. Irreducible control flow is
//! rejected: every retreating edge of a depth-first search must go to a block that dominates
//! its source.
//!
//! Functions are contiguous: function `k` spans from its start to the next function's start.

use std::collections::{BTreeMap, BTreeSet};

use ringfence_isa::{CallKind, Insn, Semantics, N_REGS};

use crate::error::{VerifyError, VerifyErrorKind};

/// The most frames a call chain may hold, the entry function's included.
pub const MAX_FRAMES: usize = 8;

/// How a basic block ends. Block ids are indices into [`Cfg::blocks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Term {
    /// Falls through to the next block.
    Fall(usize),
    /// An unconditional jump.
    Goto(usize),
    /// A conditional jump at `insn`: to `taken` or to `fall`.
    Branch { taken: usize, fall: usize },
    /// `exit`.
    Exit,
    /// A local call of function `callee`; returns to block `ret`.
    Call { callee: usize, ret: usize },
}

/// A basic block: slots `start..end`, the last holding its terminator.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub start: usize,
    pub end: usize,
    pub func: usize,
    pub term: Term,
    /// The slot of the last instruction (the terminator, or the last of a fall-through).
    pub last: usize,
    pub succs: Vec<usize>,
    pub preds: Vec<usize>,
}

/// A natural loop.
#[derive(Clone, Debug)]
pub(crate) struct Loop {
    pub header: usize,
    /// Sources of the back edges.
    pub latches: Vec<usize>,
    /// Blocks of the loop, header included, sorted.
    pub body: BTreeSet<usize>,
    /// The innermost loop strictly containing this one (index into [`Func::loops`]).
    pub parent: Option<usize>,
}

/// A function.
#[derive(Clone, Debug)]
pub(crate) struct Func {
    pub start: usize,
    pub entry: usize,
    /// Blocks reachable from the entry within the function, in reverse postorder, then the
    /// unreachable ones.
    pub order: Vec<usize>,
    /// Immediate dominator of each reachable block (block id to block id).
    pub idom: BTreeMap<usize, usize>,
    pub loops: Vec<Loop>,
    /// Header block to its loop.
    pub headers: BTreeMap<usize, usize>,
    /// Block to the innermost loop containing it.
    pub innermost: BTreeMap<usize, usize>,
    /// Local calls made: (call slot, callee function).
    pub calls: Vec<(usize, usize)>,
}

/// The checked structure of a program.
#[derive(Clone, Debug)]
pub(crate) struct Cfg {
    pub blocks: Vec<Block>,
    pub funcs: Vec<Func>,
}

impl Func {
    /// Whether block `a` dominates block `b` (both reachable).
    pub fn dominates(&self, a: usize, mut b: usize) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.idom.get(&b) {
                Some(&d) if d != b => b = d,
                _ => return false,
            }
        }
    }

    /// The loop whose header is block `b`.
    pub fn loop_at(&self, b: usize) -> Option<usize> {
        self.headers.get(&b).copied()
    }
}

fn is_jump(insn: &Insn) -> bool {
    matches!(
        insn.semantics(),
        Semantics::Goto { .. } | Semantics::Branch { .. }
    )
}

fn is_local_call(insn: &Insn) -> bool {
    matches!(
        insn.semantics(),
        Semantics::Call {
            kind: CallKind::Local
        }
    )
}

/// Checks the structure of `insns` and builds its control-flow graph.
pub(crate) fn build(insns: &[Insn]) -> Result<Cfg, VerifyError> {
    let err = |kind, idx, hint: &str| VerifyError::at(insns, kind, idx, hint);
    if insns.is_empty() {
        return Err(err(
            VerifyErrorKind::EmptyProgram,
            0,
            "a program needs at least an `exit`",
        ));
    }
    let n = insns.len();
    // Well-formed instructions and lddw pairs.
    let mut i = 0;
    while i < n {
        let insn = &insns[i];
        if insn.is_lddw_tail() || insn.dst as usize >= N_REGS || insn.src as usize >= N_REGS {
            return Err(err(
                VerifyErrorKind::InvalidInstruction,
                i,
                "registers are r0 to r10; an lddw tail must follow its lddw",
            ));
        }
        if insn.n_slots() == 2 {
            if i + 1 >= n || !insns[i + 1].is_lddw_tail() {
                return Err(err(
                    VerifyErrorKind::InvalidInstruction,
                    i,
                    "an lddw takes two slots",
                ));
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    // Targets: in range, not on a tail.
    let target_of = |idx: usize| -> Result<Option<usize>, VerifyError> {
        let Some(t) = insns[idx].jump_target(idx) else {
            return Ok(None);
        };
        if t < 0 || t >= n as i64 {
            let kind = if is_local_call(&insns[idx]) {
                VerifyErrorKind::BadCallTarget { target: t }
            } else {
                VerifyErrorKind::JumpOutOfRange { target: t }
            };
            return Err(err(kind, idx, "jump offsets count slots from the next one"));
        }
        let t = t as usize;
        if insns[t].is_lddw_tail() {
            if is_local_call(&insns[idx]) {
                return Err(err(
                    VerifyErrorKind::BadCallTarget { target: t as i64 },
                    idx,
                    "a function cannot start inside an lddw",
                ));
            }
            return Err(err(
                VerifyErrorKind::JumpIntoLddw { target: t },
                idx,
                "an lddw takes two slots; jump to its first slot",
            ));
        }
        Ok(Some(t))
    };
    let mut starts = BTreeSet::from([0usize]);
    let slots: Vec<usize> = (0..n).filter(|&i| !insns[i].is_lddw_tail()).collect();
    for &i in &slots {
        if is_local_call(&insns[i]) {
            if let Some(t) = target_of(i)? {
                starts.insert(t);
            }
        }
    }
    let starts: Vec<usize> = starts.into_iter().collect();
    let func_at: BTreeMap<usize, usize> = starts.iter().enumerate().map(|(k, &s)| (s, k)).collect();
    let func_end = |k: usize| starts.get(k + 1).copied().unwrap_or(n);
    let func_of = |slot: usize| starts.partition_point(|&s| s <= slot) - 1;
    // Leaders.
    let mut leaders: BTreeSet<usize> = starts.iter().copied().collect();
    for &i in &slots {
        let insn = &insns[i];
        if is_jump(insn) {
            let t = target_of(i)?.expect("jumps have targets");
            if func_of(t) != func_of(i) {
                return Err(err(
                    VerifyErrorKind::JumpOutOfFunction { target: t },
                    i,
                    "jumps stay within their function; use a call",
                ));
            }
            leaders.insert(t);
        }
        let ends_block =
            is_jump(insn) || is_local_call(insn) || matches!(insn.semantics(), Semantics::Exit);
        let next = i + insn.n_slots();
        if ends_block && next < n {
            leaders.insert(next);
        }
    }
    // Blocks.
    let leaders: Vec<usize> = leaders.into_iter().collect();
    let mut block_at = vec![usize::MAX; n];
    let mut blocks = Vec::with_capacity(leaders.len());
    for (b, &start) in leaders.iter().enumerate() {
        let end = leaders.get(b + 1).copied().unwrap_or(n);
        for slot in block_at.iter_mut().take(end).skip(start) {
            *slot = b;
        }
        let last = (start..end)
            .rev()
            .find(|&s| !insns[s].is_lddw_tail())
            .unwrap_or(start);
        blocks.push(Block {
            start,
            end,
            func: func_of(start),
            term: Term::Exit,
            last,
            succs: Vec::new(),
            preds: Vec::new(),
        });
    }
    let mut calls: Vec<Vec<(usize, usize)>> = vec![Vec::new(); starts.len()];
    for b in 0..blocks.len() {
        let (last, end, func) = (blocks[b].last, blocks[b].end, blocks[b].func);
        let insn = &insns[last];
        let fall = || -> Result<usize, VerifyError> {
            if end >= func_end(func) {
                Err(err(
                    VerifyErrorKind::FallThrough,
                    last,
                    "end every path of a function with `exit` or a jump",
                ))
            } else {
                Ok(block_at[end])
            }
        };
        let term = match insn.semantics() {
            Semantics::Exit => Term::Exit,
            Semantics::Goto { .. } => Term::Goto(block_at[target_of(last)?.expect("target")]),
            Semantics::Branch { .. } => Term::Branch {
                taken: block_at[target_of(last)?.expect("target")],
                fall: fall()?,
            },
            Semantics::Call {
                kind: CallKind::Local,
            } => {
                let t = target_of(last)?.expect("target");
                let callee = func_at[&t];
                calls[func].push((last, callee));
                Term::Call {
                    callee,
                    ret: fall()?,
                }
            }
            _ => Term::Fall(fall()?),
        };
        let succs = match term {
            Term::Fall(s) | Term::Goto(s) => vec![s],
            Term::Branch { taken, fall } if taken == fall => vec![taken],
            Term::Branch { taken, fall } => vec![taken, fall],
            Term::Exit => vec![],
            Term::Call { ret, .. } => vec![ret],
        };
        blocks[b].term = term;
        for &s in &succs {
            blocks[s].preds.push(b);
        }
        blocks[b].succs = succs;
    }
    // Call graph: acyclic, at most MAX_FRAMES deep.
    check_call_graph(insns, &starts, &calls)?;
    // Functions.
    let mut funcs = Vec::with_capacity(starts.len());
    let mut func_blocks: Vec<Vec<usize>> = vec![Vec::new(); starts.len()];
    for (b, blk) in blocks.iter().enumerate() {
        func_blocks[blk.func].push(b);
    }
    for (k, &start) in starts.iter().enumerate() {
        let entry = block_at[start];
        let func = analyse_function(insns, &blocks, &func_blocks[k], start, entry, &calls[k])?;
        funcs.push(func);
    }
    Ok(Cfg { blocks, funcs })
}

fn check_call_graph(
    insns: &[Insn],
    starts: &[usize],
    calls: &[Vec<(usize, usize)>],
) -> Result<(), VerifyError> {
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut color = vec![0u8; starts.len()];
    let mut depth = vec![0usize; starts.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        f: usize,
        insns: &[Insn],
        starts: &[usize],
        calls: &[Vec<(usize, usize)>],
        color: &mut [u8],
        depth: &mut [usize],
        stack: &mut Vec<usize>,
    ) -> Result<(), VerifyError> {
        color[f] = 1;
        stack.push(f);
        let mut d = 1;
        for &(site, callee) in &calls[f] {
            match color[callee] {
                1 => {
                    let from = stack.iter().position(|&g| g == callee).unwrap_or(0);
                    let mut cycle: Vec<usize> = stack[from..].iter().map(|&g| starts[g]).collect();
                    cycle.push(starts[callee]);
                    return Err(VerifyError::at(
                        insns,
                        VerifyErrorKind::Recursion { cycle },
                        site,
                        "rewrite the recursion as a bounded loop",
                    ));
                }
                0 => visit(callee, insns, starts, calls, color, depth, stack)?,
                _ => {}
            }
            d = d.max(depth[callee] + 1);
            if d > MAX_FRAMES {
                return Err(VerifyError::at(
                    insns,
                    VerifyErrorKind::TooManyFrames { depth: d },
                    site,
                    "inline some functions: at most 8 frames may be live",
                ));
            }
        }
        depth[f] = d;
        color[f] = 2;
        stack.pop();
        Ok(())
    }
    for f in 0..starts.len() {
        if color[f] == 0 {
            visit(f, insns, starts, calls, &mut color, &mut depth, &mut stack)?;
        }
    }
    Ok(())
}

fn analyse_function(
    insns: &[Insn],
    blocks: &[Block],
    func_blocks: &[usize],
    start: usize,
    entry: usize,
    calls: &[(usize, usize)],
) -> Result<Func, VerifyError> {
    // Depth-first search: postorder, and retreating edges.
    let mut post = Vec::new();
    let mut on_stack = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut retreating = Vec::new();
    let mut stack: Vec<(usize, usize)> = vec![(entry, 0)];
    seen.insert(entry);
    on_stack.insert(entry);
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        if let Some(&s) = blocks[b].succs.get(*i) {
            *i += 1;
            if on_stack.contains(&s) {
                retreating.push((b, s));
            } else if seen.insert(s) {
                on_stack.insert(s);
                stack.push((s, 0));
            }
        } else {
            post.push(b);
            on_stack.remove(&b);
            stack.pop();
        }
    }
    let mut order: Vec<usize> = post.iter().rev().copied().collect();
    let pos: BTreeMap<usize, usize> = order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    // Dominators.
    let mut idom: BTreeMap<usize, usize> = BTreeMap::from([(entry, entry)]);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in order.iter().skip(1) {
            let mut new: Option<usize> = None;
            for &p in &blocks[b].preds {
                if !idom.contains_key(&p) || !pos.contains_key(&p) {
                    continue;
                }
                new = Some(match new {
                    None => p,
                    Some(mut a) => {
                        let mut c = p;
                        while a != c {
                            while pos[&a] > pos[&c] {
                                a = idom[&a];
                            }
                            while pos[&c] > pos[&a] {
                                c = idom[&c];
                            }
                        }
                        a
                    }
                });
            }
            if let Some(d) = new {
                if idom.get(&b) != Some(&d) {
                    idom.insert(b, d);
                    changed = true;
                }
            }
        }
    }
    let mut func = Func {
        start,
        entry,
        order: Vec::new(),
        idom,
        loops: Vec::new(),
        headers: BTreeMap::new(),
        innermost: BTreeMap::new(),
        calls: calls.to_vec(),
    };
    // Back edges and natural loops.
    let mut by_header: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(src, dst) in &retreating {
        if !func.dominates(dst, src) {
            return Err(VerifyError::at(
                insns,
                VerifyErrorKind::IrreducibleLoop {
                    header: blocks[dst].start,
                },
                blocks[src].last,
                "give every loop a single entry (its header)",
            ));
        }
        by_header.entry(dst).or_default().push(src);
    }
    for (header, latches) in by_header {
        let mut body = BTreeSet::from([header]);
        let mut work: Vec<usize> = latches.clone();
        while let Some(b) = work.pop() {
            if body.insert(b) {
                work.extend(
                    blocks[b]
                        .preds
                        .iter()
                        .copied()
                        .filter(|p| pos.contains_key(p)),
                );
            }
        }
        func.loops.push(Loop {
            header,
            latches,
            body,
            parent: None,
        });
    }
    // Nesting: from the largest loop to the smallest, each block's innermost loop so far.
    let mut by_size: Vec<usize> = (0..func.loops.len()).collect();
    by_size.sort_by_key(|&l| std::cmp::Reverse(func.loops[l].body.len()));
    for &l in &by_size {
        func.loops[l].parent = func.innermost.get(&func.loops[l].header).copied();
        for &b in &func.loops[l].body {
            func.innermost.insert(b, l);
        }
        func.headers.insert(func.loops[l].header, l);
    }
    // Unreachable blocks of the function go last.
    let reached: BTreeSet<usize> = order.iter().copied().collect();
    order.extend(func_blocks.iter().copied().filter(|b| !reached.contains(b)));
    func.order = order;
    Ok(func)
}
