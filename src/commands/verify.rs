//! `ringfence verify`: prove a program safe, or explain why it is not.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use ringfence_verifier::{verify as verify_program, VerifiedProgram, VerifierConfig, VerifyError};
use ringfence_vm::conformance_program_type;
use serde_json::json;

use ringfence_vm::rule::RuleConfig;

use crate::commands::rules::{load_rule_object_as, RefusalFormat};
use crate::commands::run::{EngineArg, ProgramTypeArg};
use crate::commands::schema::load_schemas;
use crate::exit::{Failure, Outcome};
use crate::load::{load_program, Loaded};
use crate::output::outln;

/// Arguments of `ringfence verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The program: assembly (`.s`, `.asm`), an ELF object (`.o`) or raw bytecode (`.bin`).
    pub program: PathBuf,
    /// The program type: what r1 points to at entry. Default: `mem` for assembly and
    /// bytecode; for an ELF object, each rule's section names its event type.
    #[arg(long = "type", value_enum)]
    pub program_type: Option<ProgramTypeArg>,
    /// The event schemas rules are checked against (a schema file); default: the built-in
    /// endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// The length of the buffer a `mem` program receives.
    #[arg(long, default_value_t = 0)]
    pub mem_len: u64,
    /// How to print the verdict.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The engine rules are prepared for (compiled, for `jit`, the default where the host
    /// has one), so that a rule accepted here also loads there.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON object, for tools.
    Json,
}

/// Verifies the program and prints the verdict.
pub fn verify(args: &VerifyArgs) -> Outcome {
    if is_object(&args.program) && args.program_type.is_none() {
        return verify_rules(args);
    }
    let program = load_program(&args.program)?;
    let prog_type = match args.program_type.unwrap_or(ProgramTypeArg::Mem) {
        ProgramTypeArg::Mem => conformance_program_type(args.mem_len),
    };
    let started = Instant::now();
    let result = verify_program(&program.insns, &prog_type, &VerifierConfig::default());
    let elapsed = started.elapsed();
    let name = args.program.display().to_string();
    match result {
        Ok(verified) => print_accepted(&verified, elapsed.as_secs_f64() * 1e6, args.format),
        Err(error) => {
            let text = match args.format {
                Format::Text => render_rejection(&name, &program, &error),
                Format::Json => rejection_json(&name, &program, &error).to_string(),
            };
            outln!("{text}")?;
            Err(Failure::Silent(1))
        }
    }
}

/// Whether `path` names an ELF object (by extension).
pub fn is_object(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "o")
}

/// Verifies every rule of an object against the host's schemas.
fn verify_rules(args: &VerifyArgs) -> Outcome {
    let schemas = load_schemas(args.schema.as_deref())?;
    let started = Instant::now();
    let config = RuleConfig {
        backend: EngineArg::backend(args.engine)?,
        ..RuleConfig::default()
    };
    let refusal_format = match args.format {
        Format::Text => RefusalFormat::Text,
        Format::Json => RefusalFormat::Json,
    };
    let object = load_rule_object_as(&args.program, &schemas, &config, refusal_format)?;
    let micros = started.elapsed().as_secs_f64() * 1e6;
    for rule in &object.rules {
        let verified = rule.verified();
        let stack: u32 = verified
            .stack_usage()
            .iter()
            .map(|s| s.bytes)
            .max()
            .unwrap_or(0);
        match args.format {
            Format::Text => outln!(
                "accepted: rule `{}` on {} events: {} instructions, at most {} executed per \
                 event, {} bytes of stack",
                rule.name,
                rule.event,
                verified.n_insns(),
                verified.worst_case_insns(),
                stack
            )?,
            Format::Json => outln!(
                "{}",
                json!({
                    "verdict": "accepted",
                    "rule": rule.name,
                    "event": rule.event,
                    "n_insns": verified.n_insns(),
                    "worst_case_insns": verified.worst_case_insns(),
                    "stack_bytes": stack,
                })
            )?,
        }
    }
    if args.format == Format::Text {
        outln!(
            "loaded and verified {} rule(s) in {:.0} µs",
            object.rules.len(),
            micros
        )?;
    }
    Ok(())
}

fn print_accepted(verified: &VerifiedProgram, micros: f64, format: Format) -> Outcome {
    let stack: u32 = verified
        .stack_usage()
        .iter()
        .map(|s| s.bytes)
        .max()
        .unwrap_or(0);
    match format {
        Format::Text => outln!(
            "accepted: {} instructions, at most {} executed per run, {} bytes of stack, \
             verified in {:.0} µs",
            verified.n_insns(),
            verified.worst_case_insns(),
            stack,
            micros
        ),
        Format::Json => outln!(
            "{}",
            json!({
                "verdict": "accepted",
                "n_insns": verified.n_insns(),
                "worst_case_insns": verified.worst_case_insns(),
                "stack_bytes": stack,
                "verify_micros": micros.round() as u64,
            })
        ),
    }
}

/// The source line an instruction came from, when the program was assembly.
fn source_line(program: &Loaded, insn_idx: usize) -> Option<(usize, &str)> {
    let line = *program.source_lines.as_ref()?.get(insn_idx)?;
    let text = program.source.as_ref()?.lines().nth(line - 1)?;
    Some((line, text))
}

/// The rejection for people: the rule broken, where (with the source line), the facts, the
/// path that reaches it, and what to do.
pub fn render_rejection(name: &str, program: &Loaded, error: &VerifyError) -> String {
    let mut out = format!("error[{}]: {}\n", error.kind.name(), error.kind.message());
    match source_line(program, error.insn_idx) {
        Some((line, text)) => {
            let gutter = " ".repeat(line.to_string().len());
            out += &format!(
                "{gutter}--> {name}:{line} (instruction {})\n",
                error.insn_idx
            );
            out += &format!("{gutter} |\n{line} | {}\n{gutter} |\n", text.trim_end());
        }
        None => {
            out += &format!(
                "  --> {name}, instruction {}: {}\n",
                error.insn_idx, error.insn_text
            )
        }
    }
    for fact in &error.facts {
        out += &format!("  = fact: {fact}\n");
    }
    if !error.path.is_empty() {
        out += "  = path from entry:\n";
        for step in &error.path {
            let taken = if step.taken { "taken" } else { "not taken" };
            let text = program
                .insns
                .get(step.insn_idx)
                .map(|insn| {
                    ringfence_isa::disasm::format_insn(
                        insn,
                        step.insn_idx,
                        ringfence_isa::Syntax::Clang,
                    )
                })
                .unwrap_or_default();
            let place = match source_line(program, step.insn_idx) {
                Some((line, _)) => format!("{name}:{line}"),
                None => format!("instruction {}", step.insn_idx),
            };
            out += &format!("      {place}: `{text}` {taken}\n");
        }
    }
    out += &format!("  = help: {}", error.suggestion);
    out
}

fn rejection_json(name: &str, program: &Loaded, error: &VerifyError) -> serde_json::Value {
    let source = source_line(program, error.insn_idx)
        .map(|(line, text)| json!({ "file": name, "line": line, "text": text.trim_end() }));
    json!({
        "verdict": "rejected",
        "kind": error.kind.name(),
        "message": error.kind.message(),
        "insn_idx": error.insn_idx,
        "insn": error.insn_text,
        "source": source,
        "facts": error.facts,
        "path": error.path.iter().map(|s| json!({ "insn_idx": s.insn_idx, "taken": s.taken })).collect::<Vec<_>>(),
        "suggestion": error.suggestion,
    })
}
