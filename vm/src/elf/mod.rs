//! Loading BPF programs from ELF objects as clang writes them (`clang -target bpf -O2 -g`),
//! the way libbpf does: programs from executable sections, subprograms linked in from
//! `.text`, calls and map or global-data references relocated.
//!
//! Conventions:
//! - Every global function in an executable section other than `.text` is a program, named
//!   after the function; the section name is its program type (`SEC("exec")`). An object
//!   whose only code is `.text` (as the bpf_conformance runner writes) has one program: the
//!   function `main`, or the start of `.text`.
//! - Functions in `.text` are subprograms: a program that calls one gets a copy of `.text`
//!   appended, and its calls are patched to reach it (`R_BPF_64_32`).
//! - `lddw` relocations (`R_BPF_64_64`) against a map symbol become map references
//!   ([`ringfence_isa::Op::LddwMapFd`], by index in [`Object::maps`]); against `.rodata`,
//!   `.data` or `.bss` they become pointers into that section's global-data map
//!   ([`ringfence_isa::Op::LddwMapValue`]).
//!
//! Every malformed input is a [`LoadError`] naming the section and the entry; nothing panics
//! and nothing half-loaded is returned.

mod error;
mod link;

use goblin::elf::section_header::{SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS};
use goblin::elf::Elf;
use ringfence_isa::Insn;

pub use error::LoadError;

/// `e_machine` of BPF objects.
const EM_BPF: u16 = 247;

/// A loaded object: its programs, ready to verify, and the maps they refer to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub programs: Vec<ElfProgram>,
    /// Maps the programs refer to by index: the object's declared maps first (in symbol
    /// order), then one global-data map per `.rodata`, `.data` and `.bss` section.
    pub maps: Vec<MapSymbol>,
}

/// One program of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfProgram {
    /// The function's name (or the section's, for a section without function symbols).
    pub name: String,
    /// The section it came from, which names its program type.
    pub section: String,
    /// The linked instructions, one per slot, subprograms appended.
    pub insns: Vec<Insn>,
    /// Where each slot came from: (section name, byte offset in that section), so that line
    /// information and diagnostics can point back at the object.
    pub origins: Vec<(String, u64)>,
}

/// A map the programs refer to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapSymbol {
    pub name: String,
    pub kind: MapSymbolKind,
}

/// Where a map comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapSymbolKind {
    /// A map declared in the `.maps` section (BTF-defined; its definition is read from BTF).
    Btf { offset: u64, size: u64 },
    /// A map declared in the legacy `maps` section, with its `struct bpf_map_def`.
    Legacy {
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        flags: u32,
    },
    /// A global-data section: one value holding the whole section.
    GlobalData { read_only: bool, bytes: Vec<u8> },
}

/// Parses and links every program in an ELF object.
pub fn load_object(bytes: &[u8]) -> Result<Object, LoadError> {
    let elf = Elf::parse(bytes).map_err(|e| LoadError::NotElf {
        reason: e.to_string(),
    })?;
    if !elf.is_64 || !elf.little_endian || elf.header.e_machine != EM_BPF {
        return Err(LoadError::WrongMachine {
            found: format!(
                "{}-bit {} endian, machine {}",
                if elf.is_64 { 64 } else { 32 },
                if elf.little_endian { "little" } else { "big" },
                elf.header.e_machine
            ),
        });
    }
    let sections = Sections::read(&elf, bytes)?;
    link::link(&elf, &sections)
}

/// The sections of an object, with their bytes, checked against the file's size.
#[derive(Debug)]
struct Sections<'a> {
    list: Vec<Section<'a>>,
}

#[derive(Debug)]
struct Section<'a> {
    index: usize,
    name: String,
    bytes: &'a [u8],
    size: u64,
    kind: SectionKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SectionKind {
    Code,
    Maps,
    LegacyMaps,
    ReadOnlyData,
    Data,
    Bss,
    Other,
}

impl<'a> Sections<'a> {
    fn read(elf: &Elf<'_>, file: &'a [u8]) -> Result<Sections<'a>, LoadError> {
        let mut list = Vec::with_capacity(elf.section_headers.len());
        for (index, header) in elf.section_headers.iter().enumerate() {
            let name = elf
                .shdr_strtab
                .get_at(header.sh_name)
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{index}"));
            let executable = header.sh_flags & SHF_EXECINSTR as u64 != 0;
            let bytes: &[u8] = if header.sh_type == SHT_NOBITS {
                &[]
            } else {
                let range = header.file_range().unwrap_or(0..0);
                file.get(range.clone())
                    .ok_or_else(|| LoadError::BadSection {
                        section: name.clone(),
                        message: format!(
                        "its data ({} bytes at offset {}) lies beyond the end of the {}-byte file",
                        header.sh_size,
                        header.sh_offset,
                        file.len()
                    ),
                    })?
            };
            let kind = if executable && header.sh_type == SHT_PROGBITS {
                SectionKind::Code
            } else if name == ".maps" {
                SectionKind::Maps
            } else if name == "maps" {
                SectionKind::LegacyMaps
            } else if name.starts_with(".rodata") {
                SectionKind::ReadOnlyData
            } else if name.starts_with(".data") {
                SectionKind::Data
            } else if name.starts_with(".bss") {
                SectionKind::Bss
            } else {
                SectionKind::Other
            };
            list.push(Section {
                index,
                name,
                bytes,
                size: header.sh_size,
                kind,
            });
        }
        Ok(Sections { list })
    }

    fn get(&self, index: usize) -> Option<&Section<'a>> {
        self.list.get(index)
    }
}
