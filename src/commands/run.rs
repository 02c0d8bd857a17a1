//! `ringfence run`: run a program over a memory buffer and print `r0`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ringfence_vm::{CheckedInterpreter, Config, Helpers};

use crate::exit::{Failure, Outcome};
use crate::load::{load_program, parse_hex};

/// Arguments of `ringfence run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program: assembly (`.s`, `.asm`) or raw bytecode (`.bin`).
    pub program: PathBuf,
    /// The program type: what r1 points to at entry.
    #[arg(long = "type", value_enum, default_value_t = ProgramTypeArg::Mem)]
    pub program_type: ProgramTypeArg,
    /// The memory buffer as hex bytes (`mem` programs): r1 points to it, r2 holds its length.
    #[arg(long, default_value = "")]
    pub mem: String,
    /// Run the program this many times in one process (to time it); prints r0 once.
    #[arg(long, default_value_t = 1)]
    pub repeat: u64,
    /// The most instructions one run may execute before it is stopped.
    #[arg(long, default_value_t = Config::default().max_insns)]
    pub budget: u64,
}

/// Program types the CLI knows.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ProgramTypeArg {
    /// r1 points to a readable, writable buffer; r2 holds its length.
    Mem,
}

/// Runs the program and prints r0.
pub fn run(args: &RunArgs) -> Outcome {
    let program = load_program(&args.program)?;
    let mem = parse_hex("--mem", &args.mem)?;
    let config = Config {
        max_insns: args.budget,
        ..Config::default()
    };
    let interpreter = CheckedInterpreter::new(&program.insns, &Helpers::conformance(), config);
    let mut r0 = 0;
    for _ in 0..args.repeat.max(1) {
        // Every run starts from the buffer as given.
        let mut buffer = mem.clone();
        r0 = interpreter
            .run_mem(&mut buffer)
            .map_err(|e| Failure::rejected(anyhow::anyhow!("{}: {e}", args.program.display())))?;
    }
    println!("{r0:#x}");
    Ok(())
}
