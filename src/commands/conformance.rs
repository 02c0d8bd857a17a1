//! `ringfence conformance-plugin`: the plugin protocol of the bpf_conformance runner. The
//! runner starts `PLUGIN [MEMHEX] [OPTIONS...]`, writes the program's bytes as hex on
//! standard input, and reads `r0` as hex on standard output; a non-zero exit is an error,
//! explained on standard error. Helper 5 is the suite's unwind helper. Programs are verified
//! first, then run on `--engine` (the JIT by default where the host has one; the script
//! `scripts/conformance-plugin.sh` passes `$RINGFENCE_ENGINE`).

use std::io::Read;

use anyhow::Context;
use clap::Args;
use ringfence_isa::decode;
use ringfence_verifier::{verify, VerifierConfig};
use ringfence_vm::jit::{JitConfig, JitProgram};
use ringfence_vm::{
    conformance_program_type, Backend, CheckedInterpreter, Config, FastInterpreter, Helpers,
};

use crate::commands::run::EngineArg;
use crate::exit::{Failure, Outcome};
use crate::load::{first_elf_program, parse_hex};
use crate::output::outln;

/// Arguments of `ringfence conformance-plugin`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// The memory buffer as hex bytes; r1 points to it and r2 holds its length.
    pub memhex: Option<String>,
    /// Standard input holds an ELF object (hex) instead of raw bytecode.
    #[arg(long)]
    pub elf: bool,
    /// The engine: `jit` (the default where the host has one), `interp` or `checked`.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// Reads the program from stdin, runs it and prints r0.
pub fn plugin(args: &PluginArgs) -> Outcome {
    let backend = EngineArg::backend(args.engine)?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the program from standard input")
        .map_err(Failure::unreadable)?;
    let bytes = parse_hex("the program on standard input", &input)?;
    let insns = if args.elf {
        first_elf_program(&bytes)?
    } else {
        decode(&bytes).map_err(Failure::unreadable)?
    };
    let mut mem = parse_hex("MEMHEX", args.memhex.as_deref().unwrap_or_default())?;
    let prog_type = conformance_program_type(mem.len() as u64);
    let verified = verify(&insns, &prog_type, &VerifierConfig::default())
        .map_err(|e| Failure::rejected(anyhow::anyhow!("rejected by the verifier: {e}")))?;
    let helpers = Helpers::conformance();
    let r0 = match backend {
        Backend::Jit => JitProgram::compile(&verified, &helpers, &JitConfig::default())
            .map_err(|e| Failure::rejected(anyhow::anyhow!("the JIT cannot compile it: {e}")))?
            .run_mem(&mut mem)
            .map_err(Failure::rejected)?,
        Backend::Interpreter => FastInterpreter::new(&verified, &helpers)
            .run_mem(&mut mem)
            .map_err(Failure::rejected)?,
        Backend::Checked => {
            let config = Config {
                max_insns: verified.worst_case_insns().saturating_add(1),
                ..Config::default()
            };
            CheckedInterpreter::new(verified.insns(), &helpers, config)
                .run_mem(&mut mem)
                .map_err(Failure::rejected)?
        }
    };
    outln!("{r0:x}")
}
