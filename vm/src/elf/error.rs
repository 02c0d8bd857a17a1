//! Why an ELF object cannot be loaded; each error names the section and the entry.

use ringfence_isa::DecodeError;

/// Why an object cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("not an ELF object: {reason}")]
    NotElf { reason: String },
    #[error(
        "not a BPF object: found a {found} ELF file; compile with `clang -target bpf` \
         (64-bit little endian, machine 247)"
    )]
    WrongMachine { found: String },
    #[error("section {section}: {message}")]
    BadSection { section: String, message: String },
    #[error("symbol {index} (`{name}`): {message}")]
    BadSymbol {
        index: usize,
        name: String,
        message: String,
    },
    #[error("section {section}, relocation {index}: {message}")]
    BadRelocation {
        section: String,
        index: usize,
        message: String,
    },
    #[error("section {section}, offset {offset}: {source}")]
    Decode {
        section: String,
        offset: u64,
        source: DecodeError,
    },
    #[error(
        "the object holds no program: put each rule in its own section with \
         `SEC(\"exec\")` (or any name other than .text)"
    )]
    NoPrograms,
}
