//! Rule objects on the command line: loading them against the host's schemas, rendering a
//! refusal in the rule author's terms (the C line, the path through the C code), and
//! evaluating events.

use std::path::Path;

use anyhow::{anyhow, Context};
use ringfence_vm::event::SchemaSet;
use ringfence_vm::rule::{load_rules, RuleConfig, RuleError, RuleObject, SourceLine};

use crate::exit::Failure;

/// Loads every rule of the object at `path` against `schemas`; a refusal is rendered for
/// people (exit 1), an unreadable object is exit 2.
pub fn load_rule_object(path: &Path, schemas: &SchemaSet) -> Result<RuleObject, Failure> {
    load_rule_object_with(path, schemas, &RuleConfig::default())
}

/// Like [`load_rule_object`], with `config` (the engine, the worst-case limit).
pub fn load_rule_object_with(
    path: &Path,
    schemas: &SchemaSet,
    config: &RuleConfig,
) -> Result<RuleObject, Failure> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::unreadable)?;
    load_rules(&bytes, schemas, config).map_err(|error| match error {
        RuleError::Rejected {
            program,
            error,
            source_lines,
        } => {
            eprintln!(
                "{}",
                render_c_rejection(&name, &program, &error, &source_lines)
            );
            Failure::Silent(1)
        }
        RuleError::LayoutMismatch { .. } | RuleError::UnknownEventType { .. } => {
            Failure::rejected(anyhow!("{name}: {error}"))
        }
        other => Failure::unreadable(anyhow!("{name}: {other}")),
    })
}

/// A verifier refusal in C terms: the rule broken, the C line with a caret, the facts, the
/// branches on the way there (as C lines), and the suggestion.
pub fn render_c_rejection(
    object: &str,
    program: &str,
    error: &ringfence_verifier::VerifyError,
    lines: &[Option<SourceLine>],
) -> String {
    let line_of = |idx: usize| lines.get(idx).and_then(Option::as_ref);
    let mut out = format!(
        "error[{}]: {} (rule `{program}` in {object})\n",
        error.kind.name(),
        error.kind.message()
    );
    match line_of(error.insn_idx) {
        Some(line) => {
            let number = line.line.to_string();
            let gutter = " ".repeat(number.len());
            out += &format!(
                "{gutter}--> {}:{}:{}\n{gutter} |\n",
                line.file, line.line, line.column
            );
            out += &format!("{number} | {}\n", line.text.trim_end());
            let caret_at = line.column.saturating_sub(1) as usize;
            out += &format!(
                "{gutter} | {}^ instruction {}: {}\n",
                " ".repeat(caret_at),
                error.insn_idx,
                error.insn_text
            );
        }
        None => {
            out += &format!(
                "  --> instruction {}: {}\n",
                error.insn_idx, error.insn_text
            )
        }
    }
    for fact in &error.facts {
        out += &format!("  = fact: {fact}\n");
    }
    if !error.path.is_empty() {
        out += "  = path through the rule:\n";
        let mut last = None;
        for step in &error.path {
            let taken = if step.taken { "taken" } else { "not taken" };
            match line_of(step.insn_idx) {
                // One line per C line: clang spreads a condition over several branches.
                Some(line) if last == Some((line.file.clone(), line.line)) => continue,
                Some(line) => {
                    out += &format!(
                        "      {}:{}: `{}` ({taken})\n",
                        line.file,
                        line.line,
                        line.text.trim()
                    );
                    last = Some((line.file.clone(), line.line));
                }
                None => out += &format!("      instruction {} ({taken})\n", step.insn_idx),
            }
        }
    }
    let place = line_of(error.insn_idx)
        .map(|l| format!(" at {}:{}", l.file, l.line))
        .unwrap_or_default();
    out += &format!("  = help: {}{place}", error.suggestion);
    out
}
