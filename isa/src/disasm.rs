//! The disassembler: instructions to text, by filling the table's templates. Jump and call
//! targets get labels, so that what it prints assembles back to the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::insn::Insn;
use crate::table::{CallKind, Semantics};
use crate::text::{print_template, Hole};

/// The two assembly syntaxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// What clang's BPF backend accepts and llvm-objdump prints: `r0 = *(u32 *)(r1 + 8)`.
    Clang,
    /// The bpf_conformance suite's syntax: `ldxw %r0, [%r1+8]`.
    Conformance,
}

/// Disassembles a program (one [`Insn`] per slot) into text with labels: `L<slot>` for jump
/// targets, `f<slot>` for local functions.
pub fn disassemble(insns: &[Insn], syntax: Syntax) -> String {
    let labels = labels(insns);
    let mut out = String::new();
    for (pc, insn) in insns.iter().enumerate() {
        if insn.is_lddw_tail() {
            continue;
        }
        if let Some(label) = labels.get(&pc) {
            let _ = writeln!(out, "{label}:");
        }
        let _ = writeln!(out, "    {}", format_insn_with(insn, pc, syntax, &labels));
    }
    out
}

/// One instruction at slot `pc`, without labels: targets print as `+N`.
pub fn format_insn(insn: &Insn, pc: usize, syntax: Syntax) -> String {
    format_insn_with(insn, pc, syntax, &BTreeMap::new())
}

/// The labels `disassemble` gives: slot to name.
pub fn labels(insns: &[Insn]) -> BTreeMap<usize, String> {
    let mut labels = BTreeMap::new();
    for (pc, insn) in insns.iter().enumerate() {
        if insn.is_lddw_tail() {
            continue;
        }
        let Some(target) = insn.jump_target(pc) else {
            continue;
        };
        let Ok(target) = usize::try_from(target) else {
            continue;
        };
        // A target outside the program, or on the second slot of an `lddw`, gets no label
        // (no line could define it): it prints as `+N`.
        if target >= insns.len() || insns[target].is_lddw_tail() {
            continue;
        }
        if matches!(
            insn.semantics(),
            Semantics::Call {
                kind: CallKind::Local
            }
        ) {
            labels.insert(target, format!("f{target}"));
        } else {
            labels.entry(target).or_insert_with(|| format!("L{target}"));
        }
    }
    labels
}

fn format_insn_with(
    insn: &Insn,
    pc: usize,
    syntax: Syntax,
    labels: &BTreeMap<usize, String>,
) -> String {
    let info = insn.op.info();
    let mut template = print_template(info, syntax);
    // `call +N` reads as a helper call in the clang syntax: a local call whose target has no
    // label prints with the row's second template, `call local +N`.
    let unlabelled = insn
        .jump_target(pc)
        .and_then(|t| usize::try_from(t).ok())
        .is_none_or(|t| !labels.contains_key(&t));
    if unlabelled && template.contains("{func}") {
        let column = match syntax {
            Syntax::Clang => info.clang,
            Syntax::Conformance => info.conformance,
        };
        template = column.get(1).copied().unwrap_or(template);
    }
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open
            + rest[open..]
                .find('}')
                .expect("templates close their placeholders");
        let hole = Hole::parse_name(&rest[open + 1..close]);
        render_hole(&mut out, hole, insn, pc, syntax, labels);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn render_hole(
    out: &mut String,
    hole: Hole,
    insn: &Insn,
    pc: usize,
    syntax: Syntax,
    labels: &BTreeMap<usize, String>,
) {
    let reg = |n: u8, w32: bool| match (syntax, w32) {
        (Syntax::Conformance, _) => format!("%r{n}"),
        (Syntax::Clang, false) => format!("r{n}"),
        (Syntax::Clang, true) => format!("w{n}"),
    };
    let text = match hole {
        Hole::Dst => reg(insn.dst, false),
        Hole::Src => reg(insn.src, false),
        Hole::WDst => reg(insn.dst, true),
        Hole::WSrc => reg(insn.src, true),
        Hole::Imm => insn.imm32().to_string(),
        Hole::Imm64 => format!("{:#x}", insn.imm as u64),
        Hole::Lo => (insn.imm as u64 as u32).to_string(),
        Hole::Hi => ((insn.imm as u64 >> 32) as u32).to_string(),
        Hole::Off => {
            let (sign, magnitude) = if insn.off < 0 {
                ('-', -(insn.off as i32))
            } else {
                ('+', insn.off as i32)
            };
            match syntax {
                Syntax::Clang => format!("{sign} {magnitude}"),
                Syntax::Conformance => format!("{sign}{magnitude}"),
            }
        }
        Hole::Target | Hole::Func => {
            let target = insn.jump_target(pc).unwrap_or(pc as i64 + 1);
            match usize::try_from(target).ok().and_then(|t| labels.get(&t)) {
                Some(label) => label.clone(),
                None => {
                    let rel = target - pc as i64 - 1;
                    if rel < 0 {
                        format!("{rel}")
                    } else {
                        format!("+{rel}")
                    }
                }
            }
        }
    };
    out.push_str(&text);
}
