//! `ringfence run`: run a program over a memory buffer and print `r0`, or a rule object's
//! rules on an event. `--engine` chooses the engine ([`EngineArg`], shared by the commands
//! that run programs): the JIT by default where the host has one, else the interpreter.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ringfence_verifier::{verify, VerifierConfig};
use ringfence_vm::event::{Encoder, EventBuf};
use ringfence_vm::jit::{JitConfig, JitProgram};
use ringfence_vm::rule::RuleConfig;
use ringfence_vm::{
    conformance_program_type, Backend, CheckedInterpreter, Config, FastInterpreter, Helpers,
    RunState,
};

use crate::commands::rules::load_rule_object_with;
use crate::commands::schema::load_schemas;
use crate::commands::verify::{is_object, render_rejection};
use crate::exit::{Failure, Outcome};
use crate::load::{load_program, parse_hex};
use crate::output::outln;

/// Arguments of `ringfence run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program: assembly (`.s`, `.asm`), raw bytecode (`.bin`) or a rule object (`.o`).
    pub program: PathBuf,
    /// The program type: what r1 points to at entry. Default: `mem` for assembly and
    /// bytecode; for an ELF object, each rule's section names its event type.
    #[arg(long = "type", value_enum)]
    pub program_type: Option<ProgramTypeArg>,
    /// The event to evaluate rules on, as one JSON object (`{"type": "process_exec", ...}`).
    #[arg(long)]
    pub event: Option<String>,
    /// The event schemas (a schema file); default: the built-in endpoint schemas.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// The memory buffer as hex bytes (`mem` programs): r1 points to it, r2 holds its length.
    #[arg(long, default_value = "")]
    pub mem: String,
    /// Run the program this many times in one process (to time it); prints r0 once.
    #[arg(long, default_value_t = 1)]
    pub repeat: u64,
    /// Skip verification and run in the checked interpreter, which checks every access and
    /// stops the run at the first fault (or after `--budget` instructions).
    #[arg(long)]
    pub no_verify: bool,
    /// With `--no-verify`: the most instructions one run may execute before it is stopped.
    #[arg(long, default_value_t = Config::default().max_insns)]
    pub budget: u64,
    /// The engine: `jit` (the default where the host has one), `interp` (the fast
    /// interpreter; the default elsewhere) or `checked` (the checked interpreter). With
    /// `--no-verify`, `jit` compiles the checked variant (every access checked).
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// The `--engine` of the commands that run programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Native code compiled with Cranelift.
    Jit,
    /// The fast interpreter.
    Interp,
    /// The checked interpreter (every access checked; the oracle).
    Checked,
}

impl EngineArg {
    /// The backend chosen, or the host's default; `jit` on a host without a JIT is refused.
    pub fn backend(engine: Option<EngineArg>) -> Result<Backend, Failure> {
        match engine {
            None => Ok(Backend::default()),
            Some(EngineArg::Jit) if !Backend::jit_available() => {
                Err(Failure::unreadable(anyhow::anyhow!(
                    "--engine jit: the JIT does not support this host; use --engine interp"
                )))
            }
            Some(EngineArg::Jit) => Ok(Backend::Jit),
            Some(EngineArg::Interp) => Ok(Backend::Interpreter),
            Some(EngineArg::Checked) => Ok(Backend::Checked),
        }
    }
}

/// Program types the CLI knows.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ProgramTypeArg {
    /// r1 points to a readable, writable buffer; r2 holds its length.
    Mem,
}

/// Verifies the program (unless `--no-verify`), runs it and prints r0.
pub fn run(args: &RunArgs) -> Outcome {
    if is_object(&args.program) && args.program_type.is_none() {
        return run_rules(args);
    }
    let backend = EngineArg::backend(args.engine)?;
    let program = load_program(&args.program)?;
    let mem = parse_hex("--mem", &args.mem)?;
    let name = args.program.display().to_string();
    let helpers = Helpers::conformance();
    let engine = if args.no_verify {
        let config = Config {
            max_insns: args.budget,
            ..Config::default()
        };
        match args.engine {
            Some(EngineArg::Jit) => {
                let config = JitConfig {
                    checked: true,
                    max_insns: args.budget,
                    ..JitConfig::default()
                };
                let jit = JitProgram::compile_checked(&program.insns, &helpers, config)
                    .map_err(|e| Failure::rejected(anyhow::anyhow!("{name}: {e}")))?;
                Engine::Jit(jit)
            }
            Some(EngineArg::Interp) => {
                return Err(Failure::unreadable(anyhow::anyhow!(
                    "--no-verify runs in the checked interpreter or the checked JIT \
                     (--engine checked or jit): the fast interpreter runs verified programs only"
                )))
            }
            _ => Engine::Checked(CheckedInterpreter::new(&program.insns, &helpers, config)),
        }
    } else {
        let prog_type = match args.program_type.unwrap_or(ProgramTypeArg::Mem) {
            ProgramTypeArg::Mem => conformance_program_type(mem.len() as u64),
        };
        let verified =
            verify(&program.insns, &prog_type, &VerifierConfig::default()).map_err(|error| {
                Failure::rejected(anyhow::anyhow!(
                    "{}\n(the program was not run; `--no-verify` runs it in the checked \
                     interpreter)",
                    render_rejection(&name, &program, &error)
                ))
            })?;
        match backend {
            Backend::Jit => Engine::Jit(
                JitProgram::compile(&verified, &helpers, &JitConfig::default())
                    .map_err(|e| Failure::rejected(anyhow::anyhow!("{name}: {e}")))?,
            ),
            Backend::Interpreter => Engine::Fast(FastInterpreter::new(&verified, &helpers)),
            Backend::Checked => {
                let config = Config {
                    max_insns: verified.worst_case_insns().saturating_add(1),
                    ..Config::default()
                };
                Engine::Checked(CheckedInterpreter::new(verified.insns(), &helpers, config))
            }
        }
    };
    let mut r0 = 0;
    for _ in 0..args.repeat.max(1) {
        // Every run starts from the buffer as given.
        let mut buffer = mem.clone();
        r0 = engine
            .run_mem(&mut buffer)
            .map_err(|e| Failure::rejected(anyhow::anyhow!("{name}: {e}")))?;
    }
    outln!("{r0:#x}")
}

/// Evaluates every rule of an object on the `--event`, printing each verdict and alert.
fn run_rules(args: &RunArgs) -> Outcome {
    let schemas = load_schemas(args.schema.as_deref())?;
    let config = RuleConfig {
        backend: EngineArg::backend(args.engine)?,
        ..RuleConfig::default()
    };
    let object = load_rule_object_with(&args.program, &schemas, &config)?;
    let Some(event) = &args.event else {
        return Err(Failure::unreadable(anyhow::anyhow!(
            "rules run on events: give one with --event '{{\"type\": \"process_exec\", ...}}'"
        )));
    };
    let mut buf = EventBuf::new();
    Encoder::new(&schemas)
        .encode_line(event, 1, &mut buf)
        .map_err(|e| Failure::unreadable(anyhow::anyhow!("--event: {e}")))?;
    let mut state = RunState::default();
    let mut evaluated = 0;
    let event_type = buf.type_id();
    for rule in object.rules.iter().filter(|r| r.event_type == event_type) {
        evaluated += 1;
        for _ in 0..args.repeat.max(1) {
            state.clear();
            let verdict = rule.evaluate(&mut buf, &object.maps, &mut state);
            let verdict =
                verdict.map_err(|e| Failure::rejected(anyhow::anyhow!("{}: {e}", rule.name)))?;
            if args.repeat <= 1 {
                let word = if verdict == 1 { "match" } else { "no match" };
                outln!("{}: {word}", rule.name)?;
            }
        }
        for alert in state.alerts.alerts() {
            let payload: String = alert.payload().iter().map(|b| format!("{b:02x}")).collect();
            outln!("  alert: rule id {}, payload {payload}", alert.rule_id)?;
        }
        for line in &state.trace {
            outln!("  trace: {line}")?;
        }
    }
    if evaluated == 0 {
        outln!(
            "no rule in {} is for this event type",
            args.program.display()
        )?;
    }
    Ok(())
}

/// The engine a run uses.
enum Engine {
    /// The checked interpreter, for programs that were not verified.
    Checked(CheckedInterpreter),
    /// The fast interpreter, for verified programs.
    Fast(FastInterpreter),
    /// The JIT: a verified program, or (`--no-verify`) the checked variant.
    Jit(JitProgram),
}

impl Engine {
    fn run_mem(&self, mem: &mut [u8]) -> Result<u64, String> {
        match self {
            Engine::Checked(engine) => engine.run_mem(mem).map_err(|e| e.to_string()),
            Engine::Fast(engine) => engine.run_mem(mem).map_err(|e| e.to_string()),
            Engine::Jit(engine) => engine.run_mem(mem).map_err(|e| e.to_string()),
        }
    }
}
