//! `ringfence trace`: one evaluation of a rule, step by step — every instruction executed
//! with its C line, the registers it changed (old → new, pointers named in the author's
//! terms: `&ev->exe`, `data+3`, `fp-8`, `.rodata+12`), each helper call with its arguments
//! and result, and the verdict, with the branch that decided it: the answer to "why did my
//! rule not fire".
//!
//! The rule runs in the checked interpreter, whose [`Observer`] hook reports every
//! instruction; whatever engine the rule would otherwise use, the verdict is the same (the
//! checked interpreter is the oracle the others are tested against).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::anyhow;
use clap::Args;
use ringfence_isa::{Insn, Semantics, Syntax, N_REGS};
use ringfence_vm::backend::Backend;
use ringfence_vm::checked::Observer;
use ringfence_vm::event::{Encoder, EventBuf, EventView, FieldKind, Layout};
use ringfence_vm::maps::Maps;
use ringfence_vm::rf_helpers::{rf_helper, RfArgKind};
use ringfence_vm::rule::{Rule, RuleConfig, SourceLine};
use ringfence_vm::RunState;

use crate::commands::coverage::{branch_taken, display_file, field_at};
use crate::commands::rules::load_rule_object_with;
use crate::commands::schema::load_schemas;
use crate::exit::{Failure, Outcome};
use crate::output::emit;

/// Arguments of `ringfence trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The rule object (`.o`).
    pub object: PathBuf,
    /// The event, as one JSON object (`{"type": "process_exec", "exe": "/bin/sh", ...}`).
    #[arg(long)]
    pub event: String,
    /// Trace only this rule of the object; default: every rule for the event's type.
    #[arg(long)]
    pub rule: Option<String>,
    /// The event schemas (a schema file); default: the built-in endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
}

/// Traces the evaluation of the event by each selected rule.
pub fn trace(args: &TraceArgs) -> Outcome {
    let schemas = load_schemas(args.schema.as_deref())?;
    // The trace runs in the checked interpreter; no other engine is built.
    let config = RuleConfig {
        backend: Backend::Checked,
        ..RuleConfig::default()
    };
    let object = load_rule_object_with(&args.object, &schemas, &config)?;
    let mut buf = EventBuf::new();
    Encoder::new(&schemas)
        .encode_line(&args.event, 1, &mut buf)
        .map_err(|e| Failure::unreadable(anyhow!("--event: {e}")))?;
    let event_type = buf.type_id();
    let schema = schemas
        .get(event_type)
        .ok_or_else(|| Failure::unreadable(anyhow!("--event: unknown event type")))?;
    let rules: Vec<&Rule> = object
        .rules
        .iter()
        .filter(|r| args.rule.as_ref().is_none_or(|name| &r.name == name))
        .collect();
    if rules.is_empty() {
        let known: Vec<&str> = object.rules.iter().map(|r| r.name.as_str()).collect();
        return Err(Failure::unreadable(anyhow!(
            "{} has no rule `{}` (it has {})",
            args.object.display(),
            args.rule.as_deref().unwrap_or_default(),
            known.join(", ")
        )));
    }
    let mut faulted = false;
    let mut traced = 0;
    let mut out = String::new();
    for rule in rules {
        if rule.event_type != event_type {
            let _ = writeln!(
                out,
                "rule `{}` takes `{}` events; this event is a `{}`: not evaluated\n",
                rule.name,
                rule.event,
                schema.name()
            );
            continue;
        }
        traced += 1;
        let mut recorder = Recorder::default();
        let mut state = RunState::default();
        let outcome = rule.evaluate_observed(&mut buf, &object.maps, &mut state, &mut recorder);
        let view = Memory::of(&buf, schema.layout(), &object.maps, &recorder);
        let _ = writeln!(
            out,
            "trace of rule `{}` ({}) on a `{}` event",
            rule.name,
            args.object.display(),
            schema.name()
        );
        out += &render_steps(rule, &recorder.steps, &view);
        match outcome {
            Ok(verdict) => {
                out += &render_verdict(rule, &recorder.steps, verdict, &view);
                for alert in state.alerts.alerts() {
                    let payload: String =
                        alert.payload().iter().map(|b| format!("{b:02x}")).collect();
                    let _ = writeln!(out, "alert: rule id {}, payload {payload}", alert.rule_id);
                }
                for line in &state.trace {
                    let _ = writeln!(out, "trace_printk: {line}");
                }
            }
            Err(fault) => {
                faulted = true;
                let place = place(rule, fault.insn_idx);
                let _ = writeln!(out, "fault at {place}: {fault}");
            }
        }
        out += "\n";
    }
    emit(&out)?;
    if traced == 0 {
        return Err(Failure::rejected(anyhow!(
            "no rule of {} takes `{}` events",
            args.object.display(),
            schema.name()
        )));
    }
    if faulted {
        return Err(Failure::Silent(1));
    }
    Ok(())
}

/// One executed instruction.
struct Step {
    insn_idx: usize,
    before: [u64; N_REGS],
    after: [u64; N_REGS],
}

#[derive(Default)]
struct Recorder {
    steps: Vec<Step>,
}

impl Observer for Recorder {
    fn step(&mut self, insn_idx: usize, before: &[u64; N_REGS], after: &[u64; N_REGS]) {
        self.steps.push(Step {
            insn_idx,
            before: *before,
            after: *after,
        });
    }
}

/// What the trace knows about memory, to name addresses and read helper arguments.
struct Memory<'a> {
    context: u64,
    layout: &'a Layout,
    fixed: &'a [u8],
    data: (u64, &'a [u8]),
    frame: u64,
    maps: &'a Maps,
}

impl<'a> Memory<'a> {
    fn of(buf: &'a EventBuf, layout: &'a Layout, maps: &'a Maps, recorder: &Recorder) -> Self {
        let entry = recorder
            .steps
            .first()
            .map(|s| s.before)
            .unwrap_or([0; N_REGS]);
        let fixed = buf.fixed();
        let word = |at: usize| {
            fixed
                .get(at..at + 8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
                .unwrap_or(0)
        };
        Memory {
            context: entry[1],
            layout,
            fixed,
            data: (word(layout.data_offset as usize), buf.data()),
            frame: entry[10],
            maps,
        }
    }

    /// `value` named: a pointer into the event, the data area, the stack or a map value, or
    /// the number in hex.
    fn name(&self, value: u64) -> String {
        if value == 0 {
            return "0".to_string();
        }
        let (data, bytes) = self.data;
        let context_end = self.context + self.layout.size as u64;
        if (self.context..context_end).contains(&value) {
            let offset = value - self.context;
            if offset == 0 {
                return "ev".to_string();
            }
            return format!("&{}", self.context_expr(offset));
        }
        if data != 0 && (data..=data + bytes.len() as u64).contains(&value) {
            return if value == data + bytes.len() as u64 {
                "data_end".to_string()
            } else {
                format!("data+{}", value - data)
            };
        }
        // The stack: frames of 512 bytes below the entry frame pointer.
        if value <= self.frame && self.frame - value <= 8 * 512 && self.frame != 0 {
            return if value == self.frame {
                "fp".to_string()
            } else {
                format!("fp-{}", self.frame - value)
            };
        }
        for map in self.maps.iter() {
            let region = map.value_region();
            if (region.base..region.base + region.len).contains(&value) {
                return format!("{}+{}", map.name(), value - region.base);
            }
        }
        number(value)
    }

    /// The C expression for byte `offset` of the context: `ev->pid`, `ev->exe.len`,
    /// `ev->saddr[2]`, `ev->data`.
    fn context_expr(&self, offset: u64) -> String {
        if offset == self.layout.data_offset as u64 {
            return "ev->data".to_string();
        }
        if offset == self.layout.data_end_offset as u64 {
            return "ev->data_end".to_string();
        }
        let Some(field) = field_at(self.layout, offset).and_then(|id| self.layout.field(id)) else {
            return format!("ev+{offset}");
        };
        let within = offset - field.offset as u64;
        match (field.kind, within) {
            (FieldKind::Str | FieldKind::StrList, 0) => format!("ev->{}.off", field.name),
            (FieldKind::Str | FieldKind::StrList, 4) => format!("ev->{}.len", field.name),
            (FieldKind::StrList, 8) => format!("ev->{}.count", field.name),
            (FieldKind::Ipv6, w) if w % 4 == 0 => format!("ev->{}[{}]", field.name, w / 4),
            (_, 0) => format!("ev->{}", field.name),
            (_, w) => format!("ev->{} + {w}", field.name),
        }
    }

    /// The value of string field `field_id` in the event, as C literals (`"/bin/sh"`, or
    /// `["sh", "-c"]` for a list).
    fn string_field(&self, field_id: u32) -> Option<String> {
        let view = EventView::new(self.layout, self.fixed, self.data.1)?;
        let field = self.layout.field(field_id)?;
        let strings: Vec<String> = view
            .strings(field_id)?
            .map(|s| show_bytes(&s[..s.len().min(80)]))
            .collect();
        Some(match field.kind {
            FieldKind::StrList => format!("[{}]", strings.join(", ")),
            _ => strings.join(""),
        })
    }

    /// Up to `len` bytes at `addr`, when they are in the event or a map value (the stack is
    /// not visible after the run).
    fn read(&self, addr: u64, len: u64) -> Option<Vec<u8>> {
        let len = len.min(256);
        let (data, bytes) = self.data;
        let end = addr.checked_add(len)?;
        if addr >= data && end <= data + bytes.len() as u64 {
            let start = (addr - data) as usize;
            return Some(bytes[start..start + len as usize].to_vec());
        }
        if addr >= self.context && end <= self.context + self.fixed.len() as u64 {
            let start = (addr - self.context) as usize;
            return Some(self.fixed[start..start + len as usize].to_vec());
        }
        for map in self.maps.iter() {
            let region = map.value_region();
            if addr >= region.base && end <= region.base + region.len {
                let start = (addr - region.base) as usize;
                let slab = map.value_bytes();
                return Some(
                    slab.get(start..start + len as usize)?
                        .iter()
                        .map(|b| b.load(Ordering::Relaxed))
                        .collect(),
                );
            }
        }
        None
    }
}

/// The place of slot `insn_idx`: `file:line`, or the instruction number.
fn place(rule: &Rule, insn_idx: usize) -> String {
    match line_of(rule, insn_idx) {
        Some(line) => format!(
            "{}:{} (instruction {insn_idx})",
            display_file(&line.file),
            line.line
        ),
        None => format!("instruction {insn_idx}"),
    }
}

fn line_of(rule: &Rule, insn_idx: usize) -> Option<&SourceLine> {
    rule.source_lines.get(insn_idx).and_then(Option::as_ref)
}

fn render_steps(rule: &Rule, steps: &[Step], memory: &Memory<'_>) -> String {
    let insns = rule.verified().insns();
    let mut out = String::new();
    let mut last_line: Option<(&str, u32)> = None;
    for step in steps {
        if let Some(line) = line_of(rule, step.insn_idx) {
            let key = (line.file.as_str(), line.line);
            if last_line != Some(key) {
                let _ = writeln!(
                    out,
                    "{}:{}: {}",
                    display_file(&line.file),
                    line.line,
                    line.text.trim()
                );
                last_line = Some(key);
            }
        }
        let Some(insn) = insns.get(step.insn_idx) else {
            continue;
        };
        let text = ringfence_isa::disasm::format_insn(insn, step.insn_idx, Syntax::Clang);
        let effect = effect(insn, step, memory);
        let _ = writeln!(out, "  {:>4}: {text:<34} {effect}", step.insn_idx);
    }
    out
}

/// What one instruction did: the registers it changed, a helper call, a branch.
fn effect(insn: &Insn, step: &Step, memory: &Memory<'_>) -> String {
    match insn.semantics() {
        Semantics::Call {
            kind: ringfence_isa::CallKind::Helper,
        } => helper_call(insn.imm as u32, step, memory),
        Semantics::Branch { .. } => {
            let jumped = branch_taken(insn, &step.before).unwrap_or(false);
            let left = memory.name(step.before[insn.dst as usize]);
            if jumped {
                format!("jumps (r{} = {left})", insn.dst)
            } else {
                format!("falls through (r{} = {left})", insn.dst)
            }
        }
        Semantics::Exit => format!("return r0 = {}", step.after[0]),
        Semantics::Store { source, .. } => {
            let addr = step.before[insn.dst as usize].wrapping_add(insn.off as i64 as u64);
            let value = match source {
                ringfence_isa::Source::Imm => insn.imm as u64,
                ringfence_isa::Source::Reg => step.before[insn.src as usize],
            };
            format!("{} ← {}", memory.name(addr), memory.name(value))
        }
        Semantics::Load { .. } => {
            let addr = step.before[insn.src as usize].wrapping_add(insn.off as i64 as u64);
            let from = memory.name(addr);
            let what = match from.strip_prefix('&') {
                _ if addr == memory.context => memory.context_expr(0),
                Some(field) => field.to_string(),
                None => format!("*({from})"),
            };
            format!(
                "r{} = {what} = {}",
                insn.dst,
                memory.name(step.after[insn.dst as usize])
            )
        }
        _ => {
            let changes: Vec<String> = (0..N_REGS)
                .filter(|&r| step.before[r] != step.after[r])
                .map(|r| {
                    format!(
                        "r{r}: {} → {}",
                        memory.name(step.before[r]),
                        memory.name(step.after[r])
                    )
                })
                .collect();
            if changes.is_empty() && insn.semantics().writes_dst() {
                format!(
                    "r{} = {} (unchanged)",
                    insn.dst,
                    memory.name(step.after[insn.dst as usize])
                )
            } else {
                changes.join(", ")
            }
        }
    }
}

/// A number: decimal when small (or small and negative), else hex.
fn number(value: u64) -> String {
    let signed = value as i64;
    if (-4096..=65536).contains(&signed) {
        signed.to_string()
    } else {
        format!("{value:#x}")
    }
}

/// `name(args) = result`, arguments named by the helper's signature where it is known.
fn helper_call(id: u32, step: &Step, memory: &Memory<'_>) -> String {
    let args = &step.before[1..6];
    let result = step.after[0];
    if let Some(helper) = rf_helper(id) {
        let kinds: Vec<RfArgKind> = helper.arg_kinds().collect();
        let shown: Vec<String> = kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| (args.get(i).copied().unwrap_or(0), kind))
            .map(|(arg, kind)| match kind {
                RfArgKind::Context => "ev".to_string(),
                RfArgKind::FieldId { .. } => match u32::try_from(arg)
                    .ok()
                    .and_then(|id| Some((id, memory.layout.field(id)?)))
                {
                    Some((id, field)) => match memory.string_field(id) {
                        Some(value) => format!("{} {value}", field.name),
                        None => field.name.clone(),
                    },
                    None => arg.to_string(),
                },
                RfArgKind::ReadableMem { size_arg } => {
                    let len = args.get(*size_arg).copied().unwrap_or(0);
                    match memory.read(arg, len) {
                        Some(bytes) => show_bytes(&bytes),
                        None => memory.name(arg),
                    }
                }
                RfArgKind::Size | RfArgKind::Scalar => arg.to_string(),
            })
            .collect();
        return format!("{}({}) = {}", helper.name, shown.join(", "), result as i64);
    }
    let (name, arity) = match id {
        1 => ("bpf_map_lookup_elem", 2),
        2 => ("bpf_map_update_elem", 4),
        3 => ("bpf_map_delete_elem", 2),
        5 => ("bpf_ktime_get_ns", 0),
        6 => ("bpf_trace_printk", 3),
        7 => ("bpf_get_prandom_u32", 0),
        _ => ("helper", 5),
    };
    let shown: Vec<String> = args[..arity]
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            if i == 0 && matches!(id, 1..=3) {
                memory
                    .maps
                    .get(a as usize)
                    .map(|m| format!("&{}", m.name()))
                    .unwrap_or_else(|| a.to_string())
            } else {
                memory.name(a)
            }
        })
        .collect();
    let name = if name == "helper" {
        format!("helper {id}")
    } else {
        name.to_string()
    };
    format!("{name}({}) = {}", shown.join(", "), memory.name(result))
}

/// Bytes as a C string literal when they are text, else hex.
fn show_bytes(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .map(|&b| match b {
            0 => "\\0".to_string(),
            b'"' => "\\\"".to_string(),
            b'\\' => "\\\\".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            other => format!("\\x{other:02x}"),
        })
        .collect();
    format!("\"{text}\"")
}

/// The verdict, and for a rule that did not fire, the last branch before the exit: the
/// decision that sent the evaluation to `return 0`.
fn render_verdict(rule: &Rule, steps: &[Step], verdict: u64, memory: &Memory<'_>) -> String {
    let word = match verdict {
        1 => "match",
        0 => "no match",
        _ => "not a verdict",
    };
    let mut out = format!(
        "verdict: {word} (r0 = {verdict}) after {} instructions\n",
        steps.len()
    );
    let insns = rule.verified().insns();
    let decision = steps.iter().rev().find(|step| {
        insns
            .get(step.insn_idx)
            .is_some_and(|i| matches!(i.semantics(), Semantics::Branch { .. }))
    });
    if let Some(step) = decision {
        let insn = &insns[step.insn_idx];
        let jumped = branch_taken(insn, &step.before).unwrap_or(false);
        let text = line_of(rule, step.insn_idx)
            .map(|l| format!(" `{}`", l.text.trim()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "decided by the last branch, at {}{text}: it {} with r{} = {}",
            place(rule, step.insn_idx),
            if jumped { "jumped" } else { "fell through" },
            insn.dst,
            memory.name(step.before[insn.dst as usize])
        );
    }
    out
}
