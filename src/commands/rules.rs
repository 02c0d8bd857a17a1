//! Rule objects on the command line: loading them against the host's schemas, and rendering
//! a refusal in the rule author's terms: the C line with a caret, the facts with registers
//! named as C expressions, the path through the C code as the conditions it tests, and a
//! suggestion that names the fix and the line ([`render_c_rejection`]); a rule compiled
//! against another version of its event names the field and the C lines that read it
//! ([`render_layout_mismatch`]).

use std::path::Path;

use anyhow::{anyhow, Context};
use ringfence_vm::event::{LayoutMismatch, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig, RuleError, RuleObject, SourceLine};

use crate::commands::coverage::display_file;
use crate::commands::explain::RuleSource;
use crate::exit::Failure;
use crate::output::outln;

/// Loads every rule of the object at `path` against `schemas` with `config` (the engine, the
/// worst-case limit); a refusal is rendered for people (exit 1), a rule the engine cannot
/// compile is exit 1, an unreadable object is exit 2.
pub fn load_rule_object_with(
    path: &Path,
    schemas: &SchemaSet,
    config: &RuleConfig,
) -> Result<RuleObject, Failure> {
    load_rule_object_as(path, schemas, config, RefusalFormat::Text)
}

/// How a refusal is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalFormat {
    /// For people, on stderr.
    Text,
    /// One JSON object on stdout ([`refusal_json`]).
    Json,
}

/// Like [`load_rule_object_with`], printing a refusal in `format`.
pub fn load_rule_object_as(
    path: &Path,
    schemas: &SchemaSet,
    config: &RuleConfig,
    format: RefusalFormat,
) -> Result<RuleObject, Failure> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::unreadable)?;
    load_rules(&bytes, schemas, config).map_err(|error| {
        match render_refusal(&name, &bytes, &error) {
            Some(text) => {
                match (format, refusal_json(&name, &bytes, &error)) {
                    (RefusalFormat::Json, Some(json)) => {
                        if let Err(failure) = outln!("{json}") {
                            return failure;
                        }
                    }
                    _ => eprintln!("{text}"),
                }
                Failure::Silent(1)
            }
            None if matches!(
                error,
                RuleError::UnknownEventType { .. }
                    | RuleError::Compile { .. }
                    | RuleError::Interpreter { .. }
            ) =>
            {
                Failure::rejected(anyhow!("{name}: {error}"))
            }
            None => Failure::unreadable(anyhow!("{name}: {error}")),
        }
    })
}

/// A refusal of the object `bytes` (named `object`) rendered for people: verifier
/// rejections and layout mismatches; `None` for other errors (unreadable objects).
pub fn render_refusal(object: &str, bytes: &[u8], error: &RuleError) -> Option<String> {
    match error {
        RuleError::Rejected {
            program,
            error,
            source_lines,
        } => {
            let source = RuleSource::load(bytes, program);
            Some(render_c_rejection(
                object,
                program,
                error,
                source_lines,
                source.as_ref(),
            ))
        }
        RuleError::LayoutMismatch { program, .. } => {
            let source = RuleSource::load(bytes, program);
            Some(render_layout_mismatch(object, error, source.as_ref()))
        }
        _ => None,
    }
}

/// A refusal as one JSON object for tools: the kind, the message, the C place, the access,
/// the facts and path in C terms, and the suggestion; `None` for errors that are not
/// refusals.
pub fn refusal_json(object: &str, bytes: &[u8], error: &RuleError) -> Option<serde_json::Value> {
    use serde_json::json;
    let place = |line: Option<&SourceLine>| {
        line.map(|l| {
            json!({
                "file": display_file(&l.file),
                "line": l.line,
                "column": l.column,
                "text": l.text.trim_end(),
            })
        })
    };
    match error {
        RuleError::Rejected {
            program,
            error,
            source_lines,
        } => {
            let source = RuleSource::load(bytes, program);
            let explanation = source
                .as_ref()
                .map(|s| s.explain(error))
                .unwrap_or_default();
            let line_of = |idx: usize| source_lines.get(idx).and_then(Option::as_ref);
            let facts = if explanation.facts.is_empty() {
                error.facts.clone()
            } else {
                explanation.facts.clone()
            };
            let path: Vec<serde_json::Value> = error
                .path
                .iter()
                .map(|step| {
                    let condition = explanation
                        .conditions
                        .iter()
                        .find(|(slot, _)| *slot == step.insn_idx)
                        .map(|(_, text)| text.clone());
                    json!({
                        "insn_idx": step.insn_idx,
                        "taken": step.taken,
                        "source": place(line_of(step.insn_idx)),
                        "condition": condition,
                    })
                })
                .collect();
            Some(json!({
                "verdict": "rejected",
                "object": object,
                "rule": program,
                "kind": error.kind.name(),
                "message": error.kind.message(),
                "insn_idx": error.insn_idx,
                "insn": error.insn_text,
                "source": place(line_of(error.insn_idx)),
                "access": explanation.access,
                "facts": facts,
                "path": path,
                "suggestion": explanation.suggestion.unwrap_or_else(|| error.suggestion.clone()),
            }))
        }
        RuleError::LayoutMismatch {
            program,
            event,
            mismatches,
            ..
        } => {
            let source = RuleSource::load(bytes, program);
            let mut reads = Vec::new();
            for mismatch in mismatches {
                let (LayoutMismatch::Extra { name, .. }
                | LayoutMismatch::Moved { name, .. }
                | LayoutMismatch::Resized { name, .. }) = mismatch
                else {
                    continue;
                };
                let Some(source) = &source else { continue };
                for slot in source.reads_of(name) {
                    let line = source.lines.get(slot).and_then(Option::as_ref);
                    reads.push(json!({ "field": name, "insn_idx": slot, "source": place(line) }));
                }
            }
            Some(json!({
                "verdict": "rejected",
                "object": object,
                "rule": program,
                "kind": "LayoutMismatch",
                "event": event,
                "mismatches": mismatches.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                "reads": reads,
                "suggestion": "rebuild the rule against the host's header (`ringfence schema --c-header`)",
            }))
        }
        _ => None,
    }
}

/// A verifier refusal in C terms: the rule broken, the C line with a caret, the access and
/// the facts (registers as C expressions), the branches on the way there (as the conditions
/// they test), and the suggestion with its place.
pub fn render_c_rejection(
    object: &str,
    program: &str,
    error: &ringfence_verifier::VerifyError,
    lines: &[Option<SourceLine>],
    source: Option<&RuleSource>,
) -> String {
    let line_of = |idx: usize| lines.get(idx).and_then(Option::as_ref);
    let explanation = source.map(|s| s.explain(error)).unwrap_or_default();
    let mut out = format!(
        "error[{}]: {} (rule `{program}` in {object})\n",
        error.kind.name(),
        error.kind.message()
    );
    match line_of(error.insn_idx) {
        Some(line) => {
            out += &caret(
                line,
                &format!("instruction {}: {}", error.insn_idx, error.insn_text),
            )
        }
        None => {
            out += &format!(
                "  --> instruction {}: {}\n",
                error.insn_idx, error.insn_text
            )
        }
    }
    if let Some(access) = &explanation.access {
        out += &format!("  = the access: {access}\n");
    }
    let facts = if explanation.facts.is_empty() {
        &error.facts
    } else {
        &explanation.facts
    };
    for fact in facts {
        out += &format!("  = fact: {fact}\n");
    }
    if !error.path.is_empty() {
        out += "  = path through the rule:\n";
        let mut last = None;
        for step in &error.path {
            let condition = explanation
                .conditions
                .iter()
                .find(|(slot, _)| *slot == step.insn_idx)
                .map(|(_, text)| text.clone())
                .unwrap_or_else(|| if step.taken { "taken" } else { "not taken" }.to_string());
            match line_of(step.insn_idx) {
                // One line per C line and outcome: clang spreads a condition over branches.
                Some(line) if last == Some((line.file.clone(), line.line, condition.clone())) => {
                    continue
                }
                Some(line) => {
                    out += &format!(
                        "      {}:{}: `{}`: {condition}\n",
                        display_file(&line.file),
                        line.line,
                        line.text.trim()
                    );
                    last = Some((line.file.clone(), line.line, condition));
                }
                None => out += &format!("      instruction {}: {condition}\n", step.insn_idx),
            }
        }
    }
    let place = line_of(error.insn_idx)
        .map(|l| format!(" at {}:{}", display_file(&l.file), l.line))
        .unwrap_or_default();
    let suggestion = explanation
        .suggestion
        .unwrap_or_else(|| error.suggestion.clone());
    out += &format!("  = help: {suggestion}{place}");
    out
}

/// The `--> file:line:col` block with the source line and a caret under the column.
fn caret(line: &SourceLine, label: &str) -> String {
    let number = line.line.to_string();
    let gutter = " ".repeat(number.len());
    let caret_at = line.column.saturating_sub(1) as usize;
    format!(
        "{gutter}--> {}:{}:{}\n{gutter} |\n{number} | {}\n{gutter} | {}^ {label}\n",
        display_file(&line.file),
        line.line,
        line.column,
        line.text.trim_end(),
        " ".repeat(caret_at)
    )
}

/// A rule compiled against another version of its event: each difference, the C lines
/// that read a field the host does not supply (or supplies elsewhere), and the fix.
pub fn render_layout_mismatch(
    object: &str,
    error: &RuleError,
    source: Option<&RuleSource>,
) -> String {
    let RuleError::LayoutMismatch {
        program,
        event,
        struct_name,
        mismatches,
    } = error
    else {
        return format!("error: {object}: {error}");
    };
    let mut out = format!(
        "error[LayoutMismatch]: rule `{program}` in {object} was compiled against another \
         `{event}` event than the host supplies (struct {struct_name} differs)\n"
    );
    for mismatch in mismatches {
        out += &format!("  = {mismatch}\n");
    }
    let mut unsafe_fields = Vec::new();
    for mismatch in mismatches {
        match mismatch {
            LayoutMismatch::Extra { name, .. }
            | LayoutMismatch::Moved { name, .. }
            | LayoutMismatch::Resized { name, .. } => unsafe_fields.push(name.clone()),
            LayoutMismatch::Missing { .. } | LayoutMismatch::Size { .. } => {}
        }
    }
    if let Some(source) = source {
        for field in &unsafe_fields {
            let mut seen = Vec::new();
            for slot in source.reads_of(field) {
                let Some(line) = source.lines.get(slot).and_then(Option::as_ref) else {
                    continue;
                };
                if seen.contains(&(line.file.clone(), line.line)) {
                    continue;
                }
                seen.push((line.file.clone(), line.line));
                out += &caret(line, &format!("the rule reads `{field}` here"));
            }
        }
    }
    let fix = match unsafe_fields.as_slice() {
        [] => String::new(),
        [one] => format!(
            "; until the host supplies `{one}`, the rule must not read it (the lesson of \
             Channel File 291: the 21st of 20 inputs)"
        ),
        many => format!(
            "; until the host supplies {}, the rule must not read them",
            many.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    out += &format!(
        "  = help: rebuild the rule against the host's header (`ringfence schema --c-header`){fix}"
    );
    out
}
