//! Test coverage of a rule, the lesson of Channel File 291 (its tests only ever used a
//! wildcard in field 21): which C lines and which directions of each conditional jump the
//! test events never exercised, and which event fields the rule reads that no test varies.
//!
//! A [`CoverageObserver`] watches each evaluation in the checked interpreter and records,
//! per slot, whether it ran; per conditional jump, which directions it went (computed from
//! the registers before the jump, exactly as the interpreter decides); and the fields read:
//! context loads that land in a field (`ev->pid`, `ev->exe.off`), and the field id passed to
//! an `rf_*` helper (`rf_str_suffix(ev, RF_PROCESS_EXEC_EXE, ...)`). [`RuleCoverage`] adds up
//! the runs of one rule and, separately, the values every test event holds in each field
//! ("varied" = at least two distinct values among the events the rule was tested on).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ringfence_isa::{Insn, Semantics, Source, Width, N_REGS};
use ringfence_vm::checked::{compare32, compare64, Observer};
use ringfence_vm::event::{EventBuf, EventView, FieldKind, Layout};
use ringfence_vm::rf_helpers::{rf_helper, RfArgKind};
use ringfence_vm::rule::{Rule, SourceLine};
use serde_json::{json, Value};

/// What the tests of one rule exercised.
#[derive(Debug)]
pub struct RuleCoverage {
    /// The object's path as given, and the rule's name.
    pub object: String,
    pub rule: String,
    insns: Vec<Insn>,
    lines: Vec<Option<SourceLine>>,
    layout: Layout,
    /// Per slot: whether it ran.
    executed: Vec<bool>,
    /// Per slot: whether the conditional jump there fell through (`[0]`) and jumped (`[1]`).
    branches: Vec<[bool; 2]>,
    /// The fields read, each with the first slot seen reading it.
    fields_read: BTreeMap<u32, usize>,
    /// Per field: up to two distinct values seen among the events (two are enough).
    values: Vec<Vec<Vec<u8>>>,
    /// The number of events evaluated.
    pub n_events: usize,
}

/// The figures of one rule's coverage.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub lines: (usize, usize),
    pub branches: (usize, usize),
    pub fields: (usize, usize),
}

impl Summary {
    /// The lowest of the three percentages (100 for an empty measure).
    pub fn lowest_percent(&self) -> f64 {
        [self.lines, self.branches, self.fields]
            .into_iter()
            .map(|(hit, all)| percent(hit, all))
            .fold(100.0, f64::min)
    }
}

fn percent(hit: usize, all: usize) -> f64 {
    if all == 0 {
        100.0
    } else {
        hit as f64 * 100.0 / all as f64
    }
}

impl RuleCoverage {
    /// Nothing exercised yet, for `rule` (of `object`) on events of `layout`.
    pub fn new(object: &str, rule: &Rule, layout: &Layout) -> RuleCoverage {
        let insns = rule.verified().insns().to_vec();
        let n = insns.len();
        RuleCoverage {
            object: object.to_string(),
            rule: rule.name.clone(),
            lines: rule.source_lines.clone(),
            layout: layout.clone(),
            executed: vec![false; n],
            branches: vec![[false; 2]; n],
            fields_read: static_field_reads(&insns, layout),
            values: vec![Vec::new(); layout.fields.len()],
            insns,
            n_events: 0,
        }
    }

    /// Records the field values of `event` (encoded, of this rule's type) as one test
    /// event; call it once per event, whatever the run does.
    pub fn record_event(&mut self, event: &EventBuf) {
        self.n_events += 1;
        let Some(view) = EventView::new(&self.layout, event.fixed(), event.data()) else {
            return;
        };
        for (field_id, field) in self.layout.fields.iter().enumerate() {
            let field_id = field_id as u32;
            let value = if field.kind.is_string() {
                let mut bytes = view.str_bytes(field_id).unwrap_or_default().to_vec();
                if field.kind == FieldKind::StrList {
                    // `[]` and `[""]` have the same bytes; the count tells them apart.
                    bytes.extend_from_slice(view.field_bytes(field_id).unwrap_or_default());
                }
                bytes
            } else {
                view.field_bytes(field_id).unwrap_or_default().to_vec()
            };
            let seen = &mut self.values[field_id as usize];
            if seen.len() < 2 && !seen.contains(&value) {
                seen.push(value);
            }
        }
    }

    /// An observer for one evaluation of the rule.
    pub fn observer(&mut self) -> CoverageObserver<'_> {
        CoverageObserver {
            coverage: self,
            context: None,
        }
    }

    /// Lines, branch directions and varied fields, each as (exercised, all).
    pub fn summary(&self) -> Summary {
        let (mut lines_hit, mut lines_all) = (BTreeSet::new(), BTreeSet::new());
        for (slot, line) in self.lines.iter().enumerate() {
            if let Some(line) = line {
                let key = (line.file.clone(), line.line);
                if self.executed.get(slot).copied().unwrap_or(false) {
                    lines_hit.insert(key.clone());
                }
                lines_all.insert(key);
            }
        }
        let conditional = self.conditional_slots();
        let directions_hit = conditional
            .iter()
            .map(|&slot| self.branches[slot].iter().filter(|d| **d).count())
            .sum();
        let varied = self
            .fields_read
            .keys()
            .filter(|&&id| self.varied(id))
            .count();
        Summary {
            lines: (lines_hit.len(), lines_all.len()),
            branches: (directions_hit, 2 * conditional.len()),
            fields: (varied, self.fields_read.len()),
        }
    }

    fn conditional_slots(&self) -> Vec<usize> {
        (0..self.insns.len())
            .filter(|&slot| {
                !self.insns[slot].lddw_tail
                    && matches!(self.insns[slot].semantics(), Semantics::Branch { .. })
            })
            .collect()
    }

    fn varied(&self, field_id: u32) -> bool {
        self.values
            .get(field_id as usize)
            .is_some_and(|values| values.len() >= 2)
    }

    /// The C lines never run (first slot of each), in source order.
    pub fn lines_never_run(&self) -> Vec<&SourceLine> {
        let run: BTreeSet<(&str, u32)> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(slot, _)| self.executed.get(*slot).copied().unwrap_or(false))
            .filter_map(|(_, line)| line.as_ref().map(|l| (l.file.as_str(), l.line)))
            .collect();
        let mut never: BTreeMap<(&str, u32), &SourceLine> = BTreeMap::new();
        for line in self.lines.iter().flatten() {
            let key = (line.file.as_str(), line.line);
            if !run.contains(&key) {
                never.entry(key).or_insert(line);
            }
        }
        never.into_values().collect()
    }

    /// The conditional jumps with a direction never taken: (slot, jumped?, fell through?).
    fn partial_branches(&self) -> Vec<(usize, bool, bool)> {
        let mut partial: Vec<(usize, bool, bool)> = self
            .conditional_slots()
            .into_iter()
            .filter(|&slot| self.branches[slot] != [true, true])
            .map(|slot| (slot, self.branches[slot][1], self.branches[slot][0]))
            .collect();
        // In source order: clang lays conditions out in another order than it read them.
        partial.sort_by_key(|&(slot, _, _)| {
            let line = self.lines.get(slot).and_then(Option::as_ref);
            (line.map(|l| (l.file.clone(), l.line)), slot)
        });
        partial
    }

    /// The fields read that no test varies, with the slot first seen reading each and the
    /// one value every event held (none when no event was recorded).
    fn unvaried_fields(&self) -> Vec<(u32, usize, Option<&[u8]>)> {
        self.fields_read
            .iter()
            .filter(|(&id, _)| !self.varied(id))
            .map(|(&id, &slot)| {
                let value = self
                    .values
                    .get(id as usize)
                    .and_then(|v| v.first())
                    .map(Vec::as_slice);
                (id, slot, value)
            })
            .collect()
    }

    fn place(&self, slot: usize) -> String {
        match self.lines.get(slot).and_then(Option::as_ref) {
            Some(line) => format!(
                "{}:{}: `{}`",
                display_file(&line.file),
                line.line,
                line.text.trim()
            ),
            None => format!("instruction {slot}"),
        }
    }

    fn field_name(&self, field_id: u32) -> String {
        self.layout
            .field(field_id)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| format!("field {field_id}"))
    }

    fn show_value(&self, field_id: u32, value: &[u8]) -> String {
        let Some(field) = self.layout.field(field_id) else {
            return hex(value);
        };
        match field.kind {
            FieldKind::Str => format!("\"{}\"", String::from_utf8_lossy(value).escape_debug()),
            FieldKind::StrList => {
                let strings = &value[..value.len().saturating_sub(field.size as usize)];
                if strings.is_empty() {
                    "[] or [\"\"]".to_string()
                } else {
                    let items: Vec<String> = strings
                        .split(|b| *b == 0)
                        .map(|s| format!("\"{}\"", String::from_utf8_lossy(s).escape_debug()))
                        .collect();
                    format!("[{}]", items.join(", "))
                }
            }
            FieldKind::Ipv4 | FieldKind::Ipv6 => hex(value),
            _ => {
                let mut raw = [0u8; 8];
                let n = value.len().min(8);
                raw[..n].copy_from_slice(&value[..n]);
                u64::from_le_bytes(raw).to_string()
            }
        }
    }

    /// The report for people.
    pub fn render(&self) -> String {
        let s = self.summary();
        let mut out = format!(
            "coverage of rule `{}` ({}), {} event(s):\n",
            self.rule, self.object, self.n_events
        );
        let figure =
            |(hit, all): (usize, usize)| format!("{hit}/{all} ({:.1}%)", percent(hit, all));
        let _ = writeln!(out, "  C lines run:               {}", figure(s.lines));
        let _ = writeln!(out, "  branch directions taken:   {}", figure(s.branches));
        let _ = writeln!(out, "  fields read, varied:       {}", figure(s.fields));
        let never = self.lines_never_run();
        if !never.is_empty() {
            out += "  C lines no test runs:\n";
            for line in never {
                let _ = writeln!(
                    out,
                    "    {}:{}: `{}`",
                    display_file(&line.file),
                    line.line,
                    line.text.trim()
                );
            }
        }
        let partial = self.partial_branches();
        if !partial.is_empty() {
            out += "  branches a test never takes one way:\n";
            for (slot, jumped, fell) in partial {
                let what = match (jumped, fell) {
                    (false, false) => "never reached",
                    (true, false) => "always jumps, never falls through",
                    (false, true) => "never jumps",
                    (true, true) => unreachable!("only partial branches"),
                };
                let insn = ringfence_isa::disasm::format_insn(
                    &self.insns[slot],
                    slot,
                    ringfence_isa::Syntax::Clang,
                );
                let _ = writeln!(out, "    {} (`{insn}`): {what}", self.place(slot));
            }
        }
        let unvaried = self.unvaried_fields();
        if !unvaried.is_empty() {
            out += "  fields the rule reads that no test varies (Channel File 291: its tests \
                    only ever used a wildcard in field 21):\n";
            for (field_id, slot, value) in unvaried {
                let held = match value {
                    Some(value) => format!(
                        "every test event holds {}",
                        self.show_value(field_id, value)
                    ),
                    None => "no test event".to_string(),
                };
                let _ = writeln!(
                    out,
                    "    ev->{}, read at {}: {held}; add an event with another value",
                    self.field_name(field_id),
                    self.place(slot)
                );
            }
        }
        out
    }

    /// The report for tools.
    pub fn to_json(&self) -> Value {
        let s = self.summary();
        let pair = |(hit, all): (usize, usize)| json!({ "hit": hit, "total": all });
        json!({
            "object": self.object,
            "rule": self.rule,
            "events": self.n_events,
            "lines": pair(s.lines),
            "branches": pair(s.branches),
            "fields": pair(s.fields),
            "lines_never_run": self.lines_never_run().iter().map(|l| json!({
                "file": l.file, "line": l.line, "text": l.text.trim(),
            })).collect::<Vec<_>>(),
            "partial_branches": self.partial_branches().iter().map(|(slot, jumped, fell)| {
                let line = self.lines.get(*slot).and_then(Option::as_ref);
                json!({
                    "insn_idx": slot,
                    "file": line.map(|l| l.file.clone()),
                    "line": line.map(|l| l.line),
                    "jumped": jumped,
                    "fell_through": fell,
                })
            }).collect::<Vec<_>>(),
            "unvaried_fields": self.unvaried_fields().iter().map(|(id, slot, value)| {
                let line = self.lines.get(*slot).and_then(Option::as_ref);
                json!({
                    "field": self.field_name(*id),
                    "file": line.map(|l| l.file.clone()),
                    "line": line.map(|l| l.line),
                    "value": value.map(|v| self.show_value(*id, v)),
                })
            }).collect::<Vec<_>>(),
        })
    }
}

/// A C file name as clang recorded it, without a leading `./`.
pub fn display_file(file: &str) -> &str {
    file.strip_prefix("./").unwrap_or(file)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records one evaluation into a [`RuleCoverage`].
pub struct CoverageObserver<'a> {
    coverage: &'a mut RuleCoverage,
    /// The context's address: `r1` at entry.
    context: Option<u64>,
}

impl Observer for CoverageObserver<'_> {
    fn step(&mut self, insn_idx: usize, before: &[u64; N_REGS], _after: &[u64; N_REGS]) {
        let context = *self.context.get_or_insert(before[1]);
        let cov = &mut *self.coverage;
        let Some(insn) = cov.insns.get(insn_idx).copied() else {
            return;
        };
        cov.executed[insn_idx] = true;
        if let Some(field_id) = field_read(&insn, before, context, &cov.layout) {
            cov.fields_read.entry(field_id).or_insert(insn_idx);
        }
        if let Semantics::Call { .. } = insn.semantics() {
            for field_id in helper_fields(&insn, before, &cov.layout) {
                cov.fields_read.entry(field_id).or_insert(insn_idx);
            }
        }
        if let Some(taken) = branch_taken(&insn, before) {
            cov.branches[insn_idx][usize::from(taken)] = true;
        }
    }
}

/// The fields the program reads on any path, each with the first slot reading it, found
/// statically: a pass in slot order that knows which registers hold the context (`r1` at
/// entry, and copies of it) and which hold constants, so it sees context loads at constant
/// offsets and the constant field ids given to `rf_*` helpers. Reads on paths no test runs
/// count too: a field the tests never reach is a field they never vary. Observed runs add
/// whatever this pass misses (a context pointer spilled to the stack and reloaded).
pub fn static_field_reads(insns: &[Insn], layout: &Layout) -> BTreeMap<u32, usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Known {
        Nothing,
        Context,
        Const(u64),
    }
    let mut regs = [Known::Nothing; N_REGS];
    regs[1] = Known::Context;
    let mut reads = BTreeMap::new();
    for (slot, insn) in insns.iter().enumerate() {
        if insn.lddw_tail || insn.dst as usize >= N_REGS || insn.src as usize >= N_REGS {
            continue;
        }
        let (dst, src) = (insn.dst as usize, insn.src as usize);
        match insn.semantics() {
            Semantics::Load { .. } => {
                if regs[src] == Known::Context {
                    if let Some(id) = field_at(layout, insn.off as i64 as u64) {
                        reads.entry(id).or_insert(slot);
                    }
                }
                regs[dst] = Known::Nothing;
            }
            Semantics::Alu {
                op: ringfence_isa::AluOp::Mov,
                source,
                ..
            } => {
                regs[dst] = match source {
                    Source::Imm => Known::Const(insn.imm as u64),
                    Source::Reg => regs[src],
                };
            }
            Semantics::LoadImm64 { .. } => regs[dst] = Known::Nothing,
            Semantics::Call { .. } => {
                if let Some(helper) = rf_helper(insn.imm as u32) {
                    for (arg, kind) in helper.arg_kinds().enumerate() {
                        if let (RfArgKind::FieldId { .. }, Known::Const(id)) = (kind, regs[arg + 1])
                        {
                            if let Some(id) = u32::try_from(id)
                                .ok()
                                .filter(|id| layout.field(*id).is_some())
                            {
                                reads.entry(id).or_insert(slot);
                            }
                        }
                    }
                }
                for reg in regs.iter_mut().take(6) {
                    *reg = Known::Nothing;
                }
            }
            Semantics::Alu { .. }
            | Semantics::Neg { .. }
            | Semantics::MovSx { .. }
            | Semantics::Endian { .. } => regs[dst] = Known::Nothing,
            Semantics::Atomic { .. } => {
                regs[src] = Known::Nothing;
                regs[0] = Known::Nothing;
            }
            _ => {}
        }
    }
    reads
}

/// Whether the conditional jump `insn` jumps, given the registers before it.
pub fn branch_taken(insn: &Insn, before: &[u64; N_REGS]) -> Option<bool> {
    let Semantics::Branch {
        cond,
        width,
        source,
    } = insn.semantics()
    else {
        return None;
    };
    let left = *before.get(insn.dst as usize)?;
    let right = match source {
        Source::Imm => insn.imm as u64,
        Source::Reg => *before.get(insn.src as usize)?,
    };
    Some(match width {
        Width::W64 => compare64(cond, left, right),
        Width::W32 => compare32(cond, left as u32, right as u32),
    })
}

/// The field a load reads, when it reads the context (`data`, `data_end` and padding are
/// not fields).
pub fn field_read(
    insn: &Insn,
    before: &[u64; N_REGS],
    context: u64,
    layout: &Layout,
) -> Option<u32> {
    let Semantics::Load { .. } = insn.semantics() else {
        return None;
    };
    let addr = before
        .get(insn.src as usize)?
        .wrapping_add(insn.off as i64 as u64);
    let offset = addr.checked_sub(context)?;
    field_at(layout, offset)
}

/// The field covering byte `offset` of the context.
pub fn field_at(layout: &Layout, offset: u64) -> Option<u32> {
    layout
        .fields
        .iter()
        .position(|f| offset >= f.offset as u64 && offset < (f.offset + f.size) as u64)
        .map(|i| i as u32)
}

/// The fields an `rf_*` helper call names by id (none for other calls).
pub fn helper_fields(insn: &Insn, before: &[u64; N_REGS], layout: &Layout) -> Vec<u32> {
    let Semantics::Call {
        kind: ringfence_isa::CallKind::Helper,
    } = insn.semantics()
    else {
        return Vec::new();
    };
    let Some(helper) = rf_helper(insn.imm as u32) else {
        return Vec::new();
    };
    helper
        .arg_kinds()
        .enumerate()
        .filter(|(_, kind)| matches!(kind, RfArgKind::FieldId { .. }))
        .filter_map(|(arg, _)| {
            let id = u32::try_from(before[arg + 1]).ok()?;
            layout.field(id).map(|_| id)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringfence_isa::assemble;
    use ringfence_vm::event::SchemaSet;

    fn insn(text: &str) -> Insn {
        assemble("t.s", text).unwrap().insns[0]
    }

    #[test]
    fn branch_directions_follow_the_interpreter_s_comparison() {
        let mut regs = [0u64; N_REGS];
        regs[2] = 5;
        assert_eq!(branch_taken(&insn("if r2 > 4 goto +1"), &regs), Some(true));
        assert_eq!(branch_taken(&insn("if r2 > 5 goto +1"), &regs), Some(false));
        // 32-bit jumps compare the low halves.
        regs[2] = 0x1_0000_0000;
        assert_eq!(branch_taken(&insn("if w2 == 0 goto +1"), &regs), Some(true));
        assert_eq!(
            branch_taken(&insn("if r2 == 0 goto +1"), &regs),
            Some(false)
        );
        assert_eq!(branch_taken(&insn("r2 = 1"), &regs), None);
    }

    #[test]
    fn static_reads_see_fields_on_paths_no_test_runs() {
        let schemas = SchemaSet::endpoint();
        let (_, exec) = schemas.by_name("process_exec").unwrap();
        let layout = exec.layout();
        let uid = exec.field_id("uid").unwrap();
        let exe = exec.field_id("exe").unwrap();
        let uid_offset = layout.field(uid).unwrap().offset;
        let program = assemble(
            "t.s",
            &format!(
                "r6 = r1\n if r6 == 0 goto +4\n r0 = *(u32 *)(r6 + {uid_offset})\n \
                 r1 = r6\n r2 = {exe}\n call 1000\n r0 = 0\n exit"
            ),
        )
        .unwrap();
        let reads = static_field_reads(&program.insns, layout);
        assert_eq!(reads.get(&uid), Some(&2));
        assert_eq!(reads.get(&exe), Some(&5));
        assert_eq!(reads.len(), 2);
    }

    #[test]
    fn context_loads_and_helper_field_ids_name_fields() {
        let schemas = SchemaSet::endpoint();
        let (_, exec) = schemas.by_name("process_exec").unwrap();
        let layout = exec.layout();
        let pid = exec.field_id("pid").unwrap();
        let exe = exec.field_id("exe").unwrap();
        let pid_offset = layout.field(pid).unwrap().offset as i16;
        let exe_len = layout.field(exe).unwrap().offset as i16 + 4;
        let context = 0x1000;
        let mut regs = [0u64; N_REGS];
        regs[1] = context;
        let load = |off: i16| insn(&format!("r0 = *(u32 *)(r1 + {off})"));
        assert_eq!(
            field_read(&load(pid_offset), &regs, context, layout),
            Some(pid)
        );
        assert_eq!(
            field_read(&load(exe_len), &regs, context, layout),
            Some(exe)
        );
        // data and data_end are not fields; a load elsewhere is not a context read.
        assert_eq!(field_read(&load(8), &regs, context, layout), None);
        regs[1] = 0x9000;
        assert_eq!(field_read(&load(pid_offset), &regs, context, layout), None);
        // rf_str_eq (1000) names its field in r2; a field id out of range names nothing.
        regs[2] = exe as u64;
        assert_eq!(helper_fields(&insn("call 1000"), &regs, layout), vec![exe]);
        regs[2] = 999;
        assert!(helper_fields(&insn("call 1000"), &regs, layout).is_empty());
        assert!(helper_fields(&insn("call 5"), &regs, layout).is_empty());
    }
}
