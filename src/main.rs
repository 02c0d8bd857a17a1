//! `ringfence`: the command-line tool for rule authors: assemble, disassemble, verify and run
//! BPF programs, and speak the bpf_conformance runner's plugin protocol.

mod commands;
mod exit;
mod load;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// A verified eBPF-style sandbox for security detection rules.
///
/// Exit codes: 0 success; 1 the program was rejected by the verifier or faulted at run time;
/// 2 the input could not be read (missing file, bad syntax, malformed bytecode, bad hex).
#[derive(Debug, Parser)]
#[command(name = "ringfence", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assemble a program (clang or bpf_conformance syntax) to raw bytecode.
    Asm {
        /// The assembly file (`.s`, `.asm`).
        file: PathBuf,
        /// Where to write the bytecode (8 bytes per instruction slot).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print a program in assembly, with labels; the output assembles back to the same bytes.
    Disasm {
        /// The program: raw bytecode (`.bin`) or assembly (`.s`, `.asm`).
        file: PathBuf,
        /// The syntax to print.
        #[arg(long, value_enum, default_value_t = SyntaxArg::Clang)]
        syntax: SyntaxArg,
    },
    /// Prove a program safe: exit 0 with a summary, or 1 with a diagnostic.
    Verify(commands::verify::VerifyArgs),
    /// Run a program over a memory buffer and print r0 as `0x...`.
    Run(commands::run::RunArgs),
    /// Print the event schemas, or (`--c-header`) the C header rule authors include.
    Schema(commands::schema::SchemaArgs),
    /// Run rule test files (`*.test.jsonl`): one line per case, a summary, exit 1 on any
    /// failure; `--coverage` shows what the tests never exercise.
    Test(commands::test::TestArgs),
    /// Step through one evaluation of a rule on an event: each instruction with its C line,
    /// the registers it changed, helper calls, and the verdict ("why did my rule not fire").
    Trace(commands::trace::TraceArgs),
    /// The bpf_conformance runner's plugin: program bytes as hex on stdin, r0 in hex on stdout.
    #[command(name = "conformance-plugin")]
    ConformancePlugin(commands::conformance::PluginArgs),
    /// Write synthetic endpoint events (JSON Lines) to stdout; the same seed, the same bytes.
    Generate(commands::generate::GenerateArgs),
    /// Measure a rule pack: events per second per core, per-rule cost, load time; the last
    /// line is `events/s: N`.
    Bench(commands::bench::BenchArgs),
    /// Evaluate a rule pack over an event log (streamed) with a progress bar; with
    /// `--baseline OLD_PACK`, report every event whose verdicts differ (exit 1 past `--allow`).
    Replay(commands::replay::ReplayArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SyntaxArg {
    /// `r0 = *(u32 *)(r1 + 8)`, as clang and llvm-objdump write it.
    Clang,
    /// `ldxw %r0, [%r1+8]`, as the bpf_conformance suite writes it.
    Conformance,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Asm { file, output } => commands::asm::assemble(&file, &output),
        Command::Disasm { file, syntax } => commands::asm::disassemble(&file, syntax.into()),
        Command::Verify(args) => commands::verify::verify(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Schema(args) => commands::schema::schema(&args),
        Command::ConformancePlugin(args) => commands::conformance::plugin(&args),
        Command::Test(args) => commands::test::test(&args),
        Command::Trace(args) => commands::trace::trace(&args),
        Command::Generate(args) => commands::generate::generate(&args),
        Command::Bench(args) => commands::bench::bench(&args),
        Command::Replay(args) => commands::replay::replay(&args),
    };
    exit::report(result)
}

impl From<SyntaxArg> for ringfence_isa::Syntax {
    fn from(value: SyntaxArg) -> Self {
        match value {
            SyntaxArg::Clang => ringfence_isa::Syntax::Clang,
            SyntaxArg::Conformance => ringfence_isa::Syntax::Conformance,
        }
    }
}
