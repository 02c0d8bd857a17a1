//! A refused C rule explained in the author's terms: the registers of the verifier's facts
//! named as C expressions (`ev->data + ev->exe.off`, not `r1`), the branches on the path to
//! the fault as the conditions they test (`ev->exe.len == 0` was false), and a suggestion
//! that names the fix and the line ("compare the index `ev->uid` with 20 before the read at
//! template_index.c:14").
//!
//! It works by a symbolic walk: the program is followed from its entry along the path the
//! verifier reported (the branch directions it recorded), each register holding an
//! expression built from the context's fields (the rule's own view of them, from BTF), the
//! object's globals and maps, constants and helper results. The walk is for words only: it
//! never decides anything about safety, which is the verifier's alone.

use std::collections::{BTreeMap, HashMap};

use ringfence_isa::{AluOp, CallKind, Cond, Imm64Kind, Insn, Semantics, Source, N_REGS};
use ringfence_verifier::{VerifyError, VerifyErrorKind};
use ringfence_vm::btf::{read_object, BtfKind};
use ringfence_vm::load_object;
use ringfence_vm::rf_helpers::{rf_helper, RfArgKind};
use ringfence_vm::rule::SourceLine;

/// What the explanation knows of a rule beyond the verifier's error.
#[derive(Debug)]
pub struct RuleSource {
    insns: Vec<Insn>,
    /// The C line of each slot (line info from `.BTF.ext`).
    pub lines: Vec<Option<SourceLine>>,
    /// The rule's view of its event (from its BTF), data and data_end excluded; the index
    /// is the field id the `rf_*` helpers take.
    fields: Vec<ViewField>,
    /// Map names by index.
    maps: Vec<String>,
    /// Global variables: (section, name, offset, size).
    globals: Vec<(String, String, u32, u32)>,
}

#[derive(Debug)]
struct ViewField {
    name: String,
    offset: u32,
    size: u32,
    kind: ViewKind,
}

#[derive(Debug, PartialEq, Eq)]
enum ViewKind {
    Str,
    StrList,
    /// `__u32 x[4]` (IPv6 addresses).
    Words,
    Scalar,
}

/// An explanation: facts in C terms, the path as conditions, and a suggestion.
#[derive(Debug, Default)]
pub struct Explanation {
    /// The access at fault, in C terms (`a 1-byte read at ev->data + ev->exe.off`).
    pub access: Option<String>,
    /// The verifier's facts, registers named by their C expressions.
    pub facts: Vec<String>,
    /// Per branch slot of the verifier's path, in order: the condition it tests.
    pub conditions: Vec<(usize, String)>,
    /// A suggestion naming the fix (the caller adds the place).
    pub suggestion: Option<String>,
}

/// A register's value as an expression.
#[derive(Clone, Debug, PartialEq)]
enum Sym {
    Unknown,
    Context,
    /// A value loaded from the context (`ev->pid`, `ev->exe.off`), or `ev->data`...
    Field(String),
    Data,
    DataEnd,
    Const(i64),
    Frame,
    /// A pointer to the value of map `index` (a global-data section or a map value).
    MapValue(usize),
    MapRef(usize),
    /// The result of a helper call, as C (`rf_str_eq(ev, RF_..., ...)`).
    Call(String),
    Add(Box<Sym>, Box<Sym>),
    Scale(Box<Sym>, i64),
    Text(String),
}

impl RuleSource {
    /// Reads program `program` of the object `bytes` (its context is `struct rf_<section>`);
    /// `None` when the object cannot be read.
    pub fn load(bytes: &[u8], program: &str) -> Option<RuleSource> {
        let object = load_object(bytes).ok()?;
        let elf_program = object.programs.iter().find(|p| p.name == program)?;
        let insns = elf_program.insns.clone();
        let struct_name = format!("rf_{}", elf_program.section);
        let btf = read_object(bytes).ok();
        let lines = elf_program
            .origins
            .iter()
            .map(|(section, offset)| {
                let info = btf.as_ref()?.ext.as_ref()?.line_at(section, *offset)?;
                Some(SourceLine {
                    file: info.file.clone(),
                    line: info.line,
                    column: info.column,
                    text: info.line_text.clone(),
                })
            })
            .collect();
        let maps = object.maps.iter().map(|m| m.name.clone()).collect();
        let (mut fields, mut globals) = (Vec::new(), Vec::new());
        if let Some(btf) = &btf {
            if let Some(view) = btf.btf.find_struct(&struct_name) {
                fields = view
                    .members
                    .iter()
                    .filter(|m| {
                        !m.name.starts_with("__pad") && m.name != "data" && m.name != "data_end"
                    })
                    .map(|m| ViewField {
                        name: m.name.clone(),
                        offset: m.offset_bytes,
                        size: m.size_bytes,
                        kind: match m.type_name.as_str() {
                            "struct rf_str" => ViewKind::Str,
                            "struct rf_str_list" => ViewKind::StrList,
                            t if t.ends_with("[4]") => ViewKind::Words,
                            _ => ViewKind::Scalar,
                        },
                    })
                    .collect();
            }
            let names: HashMap<_, _> = btf.btf.types().map(|(id, ty)| (id, ty.name_off)).collect();
            for (_, ty) in btf.btf.types() {
                if let BtfKind::Datasec { vars, .. } = &ty.kind {
                    let section = btf.btf.string_at(ty.name_off).unwrap_or_default();
                    for var in vars {
                        let name = names
                            .get(&var.var)
                            .and_then(|off| btf.btf.string_at(*off).ok())
                            .unwrap_or_default();
                        globals.push((section.to_string(), name.to_string(), var.offset, var.size));
                    }
                }
            }
        }
        Some(RuleSource {
            insns,
            lines,
            fields,
            maps,
            globals,
        })
    }

    /// The slots where the rule reads the field `name` of its view: a context load within
    /// it, or an `rf_*` helper given its id.
    pub fn reads_of(&self, name: &str) -> Vec<usize> {
        let Some((id, field)) = self.fields.iter().enumerate().find(|(_, f)| f.name == name) else {
            return Vec::new();
        };
        let mut regs = entry_regs();
        let mut stack = BTreeMap::new();
        let mut slots = Vec::new();
        // Straight through, in slot order: enough to know which registers hold the
        // context and which constants reach a helper's field-id argument.
        for slot in 0..self.insns.len() {
            let insn = self.insns[slot];
            if insn.lddw_tail {
                continue;
            }
            match insn.semantics() {
                Semantics::Load { .. } if regs[insn.src as usize] == Sym::Context => {
                    let at = insn.off as i64;
                    if at >= field.offset as i64 && at < (field.offset + field.size) as i64 {
                        slots.push(slot);
                    }
                }
                Semantics::Call {
                    kind: CallKind::Helper,
                } => {
                    if let Some(helper) = rf_helper(insn.imm as u32) {
                        let names_it = helper.arg_kinds().enumerate().any(|(arg, kind)| {
                            matches!(kind, RfArgKind::FieldId { .. })
                                && regs[arg + 1] == Sym::Const(id as i64)
                        });
                        if names_it {
                            slots.push(slot);
                        }
                    }
                }
                _ => {}
            }
            self.step(&insn, &mut regs, &mut stack);
        }
        slots
    }

    /// Explains `error`.
    pub fn explain(&self, error: &VerifyError) -> Explanation {
        let mut explanation = Explanation::default();
        let Some((regs, conditions)) = self.walk(error) else {
            return explanation;
        };
        explanation.conditions = conditions;
        for fact in &error.facts {
            let named = fact
                .strip_prefix('r')
                .and_then(|rest| rest.split_once(": "))
                .and_then(|(reg, rest)| Some((reg.parse::<usize>().ok()?, rest)))
                .filter(|(reg, _)| *reg < N_REGS)
                .and_then(|(reg, rest)| {
                    let expr = self.render(&regs[reg])?;
                    Some(format!("r{reg} is `{expr}`: {rest}"))
                });
            explanation
                .facts
                .push(named.unwrap_or_else(|| fact.clone()));
        }
        let Some(insn) = self.insns.get(error.insn_idx) else {
            return explanation;
        };
        let access = match insn.semantics() {
            Semantics::Load { size, .. } => Some(("read", insn.src, size.bytes())),
            Semantics::Store { size, .. } => Some(("write", insn.dst, size.bytes())),
            _ => None,
        };
        if let Some((what, base, size)) = access {
            let at = add(regs[base as usize].clone(), insn.off as i64);
            if let Some(expr) = self.render(&at) {
                let article = if size == 8 { "an" } else { "a" };
                explanation.access = Some(format!("{article} {size}-byte {what} at `{expr}`"));
            }
            if error.kind == VerifyErrorKind::OutOfBounds && contains(&at, &Sym::Data) {
                let end = add(at.clone(), size as i64);
                if let Some(end) = self.render(&end) {
                    explanation.suggestion = Some(format!(
                        "compare `{end}` with `ev->data_end` (`if ({end} > ev->data_end) \
                         return 0;`) before the {what}"
                    ));
                }
            } else if error.kind == VerifyErrorKind::OutOfBounds {
                explanation.suggestion = self.index_bound(&at, what);
            } else if matches!(error.kind, VerifyErrorKind::NullPointer { .. }) {
                if let Sym::Call(call) = &regs[base as usize] {
                    explanation.suggestion = Some(format!(
                        "compare the result of `{call}` with NULL and {what} through it only \
                         where it is not (`if (!p) return 0;`) before the {what}"
                    ));
                }
            }
        }
        if error.kind == VerifyErrorKind::PointerArithmetic {
            if let Semantics::Alu {
                op: AluOp::Add,
                source: Source::Reg,
                ..
            } = insn.semantics()
            {
                let at = Sym::Add(
                    Box::new(regs[insn.dst as usize].clone()),
                    Box::new(regs[insn.src as usize].clone()),
                );
                explanation.suggestion = self.index_bound(&at, "read");
            }
        }
        explanation
    }

    /// For `global + index * k`: compare the index with the global's element count.
    fn index_bound(&self, at: &Sym, what: &str) -> Option<String> {
        let mut terms = Vec::new();
        flatten(at, &mut terms);
        let (map, base) = terms.iter().find_map(|t| match t {
            Sym::MapValue(map) => Some((*map, 0i64)),
            _ => None,
        })?;
        let offset: i64 = base
            + terms
                .iter()
                .filter_map(|t| match t {
                    Sym::Const(c) => Some(*c),
                    _ => None,
                })
                .sum::<i64>();
        let (index, scale) = terms.iter().find_map(|t| match t {
            Sym::Scale(index, k) => Some(((**index).clone(), *k)),
            Sym::Field(_) | Sym::Call(_) | Sym::Text(_) => Some((t.clone(), 1)),
            _ => None,
        })?;
        let index = self.render(&index)?;
        let section = self.maps.get(map)?;
        let (_, name, var_offset, size) = self.globals.iter().find(|(s, _, off, size)| {
            s == section && offset >= *off as i64 && offset < *off as i64 + *size as i64
        })?;
        let count = (*size as i64 - (offset - *var_offset as i64)) / scale.max(1);
        Some(format!(
            "compare the index `{index}` with {count} (`{name}` has {count} elements: \
             `if ({index} >= {count}) return 0;`) before the {what}"
        ))
    }

    /// Follows the program from its entry along `error.path` to the fault; the registers
    /// there and the conditions of the branches passed.
    #[allow(clippy::type_complexity)]
    fn walk(&self, error: &VerifyError) -> Option<([Sym; N_REGS], Vec<(usize, String)>)> {
        let mut regs = entry_regs();
        let mut stack = BTreeMap::new();
        let mut frames: Vec<(usize, [Sym; N_REGS])> = Vec::new();
        let mut path = error.path.iter().peekable();
        let mut conditions = Vec::new();
        let mut pc = 0usize;
        for _ in 0..100_000 {
            if pc == error.insn_idx && path.peek().is_none() {
                return Some((regs, conditions));
            }
            let insn = *self.insns.get(pc)?;
            match insn.semantics() {
                Semantics::Branch { cond, source, .. } => {
                    let right = match source {
                        Source::Imm => Sym::Const(insn.imm),
                        Source::Reg => regs[insn.src as usize].clone(),
                    };
                    let taken = match path.peek() {
                        Some(step) if step.insn_idx == pc => path.next()?.taken,
                        _ => false,
                    };
                    let left = self.render(&regs[insn.dst as usize]);
                    let right = self.render(&right);
                    if let (Some(left), Some(right)) = (left, right) {
                        let test = format!("{left} {} {right}", cond_text(cond));
                        let truth = if taken { "true" } else { "false" };
                        conditions.push((pc, format!("`{test}` is {truth}")));
                    }
                    pc = if taken {
                        usize::try_from(insn.jump_target(pc)?).ok()?
                    } else {
                        pc + 1
                    };
                }
                Semantics::Goto { .. } => pc = usize::try_from(insn.jump_target(pc)?).ok()?,
                Semantics::Call {
                    kind: CallKind::Local,
                } => {
                    frames.push((pc + 1, regs.clone()));
                    pc = usize::try_from(insn.jump_target(pc)?).ok()?;
                }
                Semantics::Exit => {
                    let (ret, saved) = frames.pop()?;
                    let r0 = regs[0].clone();
                    regs = saved;
                    regs[0] = r0;
                    for reg in regs.iter_mut().take(6).skip(1) {
                        *reg = Sym::Unknown;
                    }
                    pc = ret;
                }
                _ => {
                    self.step(&insn, &mut regs, &mut stack);
                    pc += if matches!(insn.semantics(), Semantics::LoadImm64 { .. }) {
                        2
                    } else {
                        1
                    };
                }
            }
        }
        None
    }

    /// The effect of a straight-line instruction on the expressions.
    fn step(&self, insn: &Insn, regs: &mut [Sym; N_REGS], stack: &mut BTreeMap<i64, Sym>) {
        let dst = insn.dst as usize;
        let src = insn.src as usize;
        if dst >= N_REGS || src >= N_REGS {
            return;
        }
        let operand = |source: Source, regs: &[Sym; N_REGS]| match source {
            Source::Imm => Sym::Const(insn.imm),
            Source::Reg => regs[src].clone(),
        };
        match insn.semantics() {
            Semantics::Alu { op, source, .. } => {
                let right = operand(source, regs);
                let left = regs[dst].clone();
                regs[dst] = match (op, &right) {
                    (AluOp::Mov, _) => right,
                    (AluOp::Add, Sym::Const(c)) => add(left, *c),
                    (AluOp::Add, _) => Sym::Add(Box::new(left), Box::new(right)),
                    (AluOp::Sub, Sym::Const(c)) => add(left, -c),
                    (AluOp::Lsh, Sym::Const(c)) if (0..32).contains(c) => {
                        Sym::Scale(Box::new(left), 1 << c)
                    }
                    (AluOp::Mul, Sym::Const(c)) => Sym::Scale(Box::new(left), *c),
                    // `x << 32 >> 32` and `& 0xffffffff`: clang's zero-extension of a u32.
                    (AluOp::Rsh, Sym::Const(32)) => match left {
                        Sym::Scale(inner, k) if k == 1 << 32 => *inner,
                        other => Sym::Text(format!("({}) >> 32", self.show(&other))),
                    },
                    (AluOp::And, Sym::Const(0xffff_ffff)) => left,
                    _ => Sym::Text(format!(
                        "({} {} {})",
                        self.show(&left),
                        alu_text(op),
                        self.show(&right)
                    )),
                };
            }
            Semantics::Load { .. } => {
                regs[dst] = match &regs[src] {
                    Sym::Context => self.context_load(insn.off as u32),
                    Sym::Frame => stack
                        .get(&(insn.off as i64))
                        .cloned()
                        .unwrap_or(Sym::Unknown),
                    other => {
                        let at = add(other.clone(), insn.off as i64);
                        Sym::Text(format!("*({})", self.show(&at)))
                    }
                };
            }
            Semantics::Store { source, .. } if regs[dst] == Sym::Frame => {
                stack.insert(insn.off as i64, operand(source, regs));
            }
            Semantics::LoadImm64 { kind } => {
                regs[dst] = match kind {
                    Imm64Kind::Value => Sym::Const(insn.imm),
                    Imm64Kind::MapFd => Sym::MapRef((insn.imm as u64 & 0xffff_ffff) as usize),
                    Imm64Kind::MapValue => add(
                        Sym::MapValue((insn.imm as u64 & 0xffff_ffff) as usize),
                        (insn.imm as u64 >> 32) as i64,
                    ),
                };
            }
            Semantics::Call { .. } => {
                regs[0] = Sym::Call(self.call_text(insn, regs));
                for reg in regs.iter_mut().take(6).skip(1) {
                    *reg = Sym::Unknown;
                }
            }
            Semantics::Atomic { .. } | Semantics::Neg { .. } | Semantics::MovSx { .. } => {
                regs[dst] = Sym::Unknown;
            }
            Semantics::Endian { .. } => regs[dst] = Sym::Unknown,
            _ => {}
        }
    }

    fn context_load(&self, offset: u32) -> Sym {
        match offset {
            0 => return Sym::Data,
            8 => return Sym::DataEnd,
            _ => {}
        }
        let Some(field) = self
            .fields
            .iter()
            .find(|f| offset >= f.offset && offset < f.offset + f.size)
        else {
            return Sym::Text(format!("*(ev + {offset})"));
        };
        let within = offset - field.offset;
        Sym::Field(match (&field.kind, within) {
            (ViewKind::Str | ViewKind::StrList, 0) => format!("ev->{}.off", field.name),
            (ViewKind::Str | ViewKind::StrList, 4) => format!("ev->{}.len", field.name),
            (ViewKind::StrList, 8) => format!("ev->{}.count", field.name),
            (ViewKind::Words, w) => format!("ev->{}[{}]", field.name, w / 4),
            (_, 0) => format!("ev->{}", field.name),
            (_, w) => format!("ev->{} + {w}", field.name),
        })
    }

    fn call_text(&self, insn: &Insn, regs: &[Sym; N_REGS]) -> String {
        let id = insn.imm as u32;
        match rf_helper(id) {
            Some(helper) => {
                let args: Vec<String> = helper
                    .arg_kinds()
                    .enumerate()
                    .map(|(arg, kind)| match (kind, &regs[arg + 1]) {
                        (RfArgKind::Context, _) => "ev".to_string(),
                        (RfArgKind::FieldId { .. }, Sym::Const(id)) => self
                            .fields
                            .get(*id as usize)
                            .map(|f| format!("RF_{}", f.name.to_uppercase()))
                            .unwrap_or_else(|| id.to_string()),
                        (_, sym) => self.show(sym),
                    })
                    .collect();
                format!("{}({})", helper.name, args.join(", "))
            }
            None => {
                let (name, arity) = match id {
                    1 => ("bpf_map_lookup_elem", 2),
                    2 => ("bpf_map_update_elem", 4),
                    3 => ("bpf_map_delete_elem", 2),
                    5 => ("bpf_ktime_get_ns", 0),
                    6 => ("bpf_trace_printk", 2),
                    7 => ("bpf_get_prandom_u32", 0),
                    _ => return format!("helper {id}"),
                };
                let args: Vec<String> = regs[1..=arity].iter().map(|r| self.show(r)).collect();
                format!("{name}({})", args.join(", "))
            }
        }
    }

    /// `sym` as C, or `None` when nothing useful is known.
    fn render(&self, sym: &Sym) -> Option<String> {
        match sym {
            Sym::Unknown => None,
            other => Some(self.show(other)),
        }
    }

    fn show(&self, sym: &Sym) -> String {
        match sym {
            Sym::Unknown => "?".to_string(),
            Sym::Context => "ev".to_string(),
            Sym::Field(name) => name.clone(),
            Sym::Data => "ev->data".to_string(),
            Sym::DataEnd => "ev->data_end".to_string(),
            Sym::Const(c) => c.to_string(),
            Sym::Frame => "r10".to_string(),
            Sym::MapValue(map) | Sym::MapRef(map) => {
                let name = self
                    .maps
                    .get(*map)
                    .cloned()
                    .unwrap_or_else(|| format!("map {map}"));
                // A global-data section: name the variable at its start, when there is one.
                match self
                    .globals
                    .iter()
                    .find(|(s, _, off, _)| s == &name && *off == 0)
                {
                    Some((_, var, _, _)) if matches!(sym, Sym::MapValue(_)) => var.clone(),
                    _ => format!("&{name}"),
                }
            }
            Sym::Call(text) | Sym::Text(text) => text.clone(),
            Sym::Add(a, b) => match &**b {
                Sym::Const(c) if *c < 0 => format!("{} - {}", self.show(a), -c),
                _ => format!("{} + {}", self.show(a), self.show(b)),
            },
            Sym::Scale(x, k) => format!("{} * {k}", self.show(x)),
        }
    }
}

fn entry_regs() -> [Sym; N_REGS] {
    let mut regs: [Sym; N_REGS] = std::array::from_fn(|_| Sym::Unknown);
    regs[1] = Sym::Context;
    regs[10] = Sym::Frame;
    regs
}

/// `sym + c`, folding constants.
fn add(sym: Sym, c: i64) -> Sym {
    if c == 0 {
        return sym;
    }
    match sym {
        Sym::Const(a) => Sym::Const(a.wrapping_add(c)),
        Sym::Add(a, b) => match *b {
            Sym::Const(k) => add(*a, k.wrapping_add(c)),
            b => Sym::Add(Box::new(Sym::Add(a, Box::new(b))), Box::new(Sym::Const(c))),
        },
        other => Sym::Add(Box::new(other), Box::new(Sym::Const(c))),
    }
}

fn flatten(sym: &Sym, out: &mut Vec<Sym>) {
    match sym {
        Sym::Add(a, b) => {
            flatten(a, out);
            flatten(b, out);
        }
        other => out.push(other.clone()),
    }
}

fn contains(sym: &Sym, needle: &Sym) -> bool {
    let mut terms = Vec::new();
    flatten(sym, &mut terms);
    terms.contains(needle)
}

fn cond_text(cond: Cond) -> &'static str {
    match cond {
        Cond::Eq => "==",
        Cond::Ne => "!=",
        Cond::Gt | Cond::SGt => ">",
        Cond::Ge | Cond::SGe => ">=",
        Cond::Lt | Cond::SLt => "<",
        Cond::Le | Cond::SLe => "<=",
        Cond::Set => "&",
    }
}

fn alu_text(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "+",
        AluOp::Sub => "-",
        AluOp::Mul => "*",
        AluOp::Div | AluOp::SDiv => "/",
        AluOp::Or => "|",
        AluOp::And => "&",
        AluOp::Lsh => "<<",
        AluOp::Rsh => ">>",
        AluOp::Arsh => "s>>",
        AluOp::Mod | AluOp::SMod => "%",
        AluOp::Xor => "^",
        AluOp::Mov => "=",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringfence_verifier::PathStep;

    fn source(text: &str) -> RuleSource {
        RuleSource {
            insns: ringfence_isa::assemble("t.s", text).unwrap().insns,
            lines: Vec::new(),
            fields: vec![
                ViewField {
                    name: "uid".into(),
                    offset: 24,
                    size: 4,
                    kind: ViewKind::Scalar,
                },
                ViewField {
                    name: "exe".into(),
                    offset: 32,
                    size: 8,
                    kind: ViewKind::Str,
                },
            ],
            maps: vec![".data".into()],
            globals: vec![(".data".into(), "weights".into(), 0, 80)],
        }
    }

    fn error(kind: VerifyErrorKind, insn_idx: usize, facts: &[&str]) -> VerifyError {
        VerifyError {
            kind,
            insn_idx,
            insn_text: String::new(),
            facts: facts.iter().map(|f| f.to_string()).collect(),
            path: Vec::new(),
            suggestion: "the verifier's".into(),
        }
    }

    #[test]
    fn an_unbounded_index_names_the_bound_of_the_table() {
        let source = source(
            "r1 = *(u32 *)(r1 + 24)\n r1 <<= 2\n r2 = map_value(0, 0) ll\n r2 += r1\n \
             r0 = *(u32 *)(r2 + 0)\n exit",
        );
        let explanation = source.explain(&error(
            VerifyErrorKind::PointerArithmetic,
            4,
            &["r2: pointer to value of map 0, offset 0", "r1: scalar"],
        ));
        assert_eq!(
            explanation.facts,
            [
                "r2 is `weights`: pointer to value of map 0, offset 0",
                "r1 is `ev->uid * 4`: scalar"
            ]
        );
        let suggestion = explanation.suggestion.unwrap();
        assert!(
            suggestion.starts_with("compare the index `ev->uid` with 20"),
            "{suggestion}"
        );
    }

    #[test]
    fn a_data_read_suggests_the_data_end_check_and_the_path_reads_as_conditions() {
        let source = source(
            "r2 = *(u32 *)(r1 + 36)\n if r2 == 0 goto +3\n r3 = *(u32 *)(r1 + 32)\n \
             r4 = *(u64 *)(r1 + 0)\n r4 += r3\n r0 = *(u8 *)(r4 + 2)\n exit",
        );
        let mut refusal = error(
            VerifyErrorKind::OutOfBounds,
            5,
            &["r4: pointer to data area"],
        );
        refusal.path = vec![PathStep {
            insn_idx: 1,
            taken: false,
        }];
        let explanation = source.explain(&refusal);
        assert_eq!(
            explanation.access.as_deref(),
            Some("a 1-byte read at `ev->data + ev->exe.off + 2`")
        );
        assert_eq!(
            explanation.conditions,
            [(1, "`ev->exe.len == 0` is false".to_string())]
        );
        assert!(explanation
            .suggestion
            .unwrap()
            .starts_with("compare `ev->data + ev->exe.off + 3` with `ev->data_end`"));
    }

    #[test]
    fn a_walk_that_cannot_reach_the_fault_explains_nothing_and_never_panics() {
        let source = source("r0 = 0\n exit");
        // The fault slot is past the end; the path names a slot that is not a branch.
        let mut refusal = error(VerifyErrorKind::OutOfBounds, 40, &["r1: something"]);
        refusal.path = vec![PathStep {
            insn_idx: 7,
            taken: true,
        }];
        let explanation = source.explain(&refusal);
        assert!(explanation.facts.is_empty() && explanation.suggestion.is_none());
        // Constant folding.
        assert_eq!(add(add(Sym::Context, 8), -8), Sym::Context);
        assert_eq!(add(Sym::Const(2), 3), Sym::Const(5));
    }
}
