//! `ringfence asm` and `ringfence disasm`.

use std::path::Path;

use anyhow::Context;
use ringfence_isa::{disassemble as disasm, encode, Syntax};

use crate::exit::{Failure, Outcome};
use crate::load::load_program;
use crate::output::emit;

/// Assembles `file` into raw bytecode at `output`.
pub fn assemble(file: &Path, output: &Path) -> Outcome {
    let program = load_program(file)?;
    let bytes = encode(&program.insns);
    std::fs::write(output, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))
        .map_err(Failure::unreadable)?;
    eprintln!(
        "wrote {} instruction slots ({} bytes) to {}",
        bytes.len() / 8,
        bytes.len(),
        output.display()
    );
    Ok(())
}

/// Prints the program in `file` as assembly.
pub fn disassemble(file: &Path, syntax: Syntax) -> Outcome {
    let program = load_program(file)?;
    emit(&disasm(&program.insns, syntax))
}
