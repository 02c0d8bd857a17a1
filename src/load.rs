//! Reading programs from files: assembly (`.s`, `.asm`) or raw bytecode (`.bin` and anything
//! else). ELF objects (`.o`) arrive with the C rules work.

use std::path::Path;

use anyhow::{anyhow, Context};
use ringfence_isa::{assemble, decode, Insn};
use ringfence_vm::load_object;

use crate::exit::Failure;

/// A program read from a file, with its assembly source lines when it came from assembly.
#[derive(Debug)]
pub struct Loaded {
    pub insns: Vec<Insn>,
    /// For each slot, the 1-based source line it came from (assembly input only).
    pub source_lines: Option<Vec<usize>>,
    /// The source text (assembly input only).
    pub source: Option<String>,
}

/// Reads the program in `path`, choosing the format by extension.
pub fn load_program(path: &Path) -> Result<Loaded, Failure> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    match ext {
        "s" | "asm" => {
            let source = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {name}"))
                .map_err(Failure::unreadable)?;
            let program = assemble(&name, &source).map_err(Failure::unreadable)?;
            Ok(Loaded {
                insns: program.insns,
                source_lines: Some(program.lines),
                source: Some(source),
            })
        }
        "o" => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read {name}"))
                .map_err(Failure::unreadable)?;
            let insns = first_elf_program(&bytes).map_err(|failure| match failure {
                Failure::Unreadable(e) => {
                    Failure::Unreadable(e.context(format!("cannot load {name}")))
                }
                other => other,
            })?;
            Ok(Loaded {
                insns,
                source_lines: None,
                source: None,
            })
        }
        _ => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read {name}"))
                .map_err(Failure::unreadable)?;
            let insns = decode(&bytes)
                .with_context(|| format!("{name} is not BPF bytecode"))
                .map_err(Failure::unreadable)?;
            Ok(Loaded {
                insns,
                source_lines: None,
                source: None,
            })
        }
    }
}

/// The first program of an ELF object.
pub fn first_elf_program(bytes: &[u8]) -> Result<Vec<Insn>, Failure> {
    let object = load_object(bytes).map_err(Failure::unreadable)?;
    let program = object
        .programs
        .into_iter()
        .next()
        .ok_or_else(|| Failure::unreadable(anyhow!("the object holds no program")))?;
    Ok(program.insns)
}

/// Parses hex bytes: pairs of digits, optionally separated by whitespace, optionally `0x`.
pub fn parse_hex(what: &str, text: &str) -> Result<Vec<u8>, Failure> {
    let digits: String = text.split_whitespace().collect::<Vec<_>>().concat();
    let digits = digits.strip_prefix("0x").unwrap_or(&digits);
    if !digits.len().is_multiple_of(2) {
        return Err(Failure::unreadable(anyhow!(
            "{what} is not hex bytes: it has an odd number of digits ({})",
            digits.len()
        )));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| {
                Failure::unreadable(anyhow!(
                    "{what} is not hex bytes: `{}` at position {} is not a hex digit pair",
                    &digits[i..i + 2],
                    i
                ))
            })
        })
        .collect()
}
