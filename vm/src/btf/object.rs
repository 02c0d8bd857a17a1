//! Fetching `.BTF` and `.BTF.ext` from an ELF object, for callers holding the whole file.
#![forbid(unsafe_code)]

use goblin::elf::section_header::SHT_NOBITS;
use goblin::elf::Elf;

use super::{Btf, BtfError, BtfExt};

/// An object's BTF: its types and, when clang wrote one, its func and line information.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectBtf {
    pub btf: Btf,
    pub ext: Option<BtfExt>,
}

/// The raw bytes of an object's BTF sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BtfSections<'a> {
    pub btf: &'a [u8],
    pub ext: Option<&'a [u8]>,
}

impl ObjectBtf {
    /// Parses the raw section bytes.
    pub fn from_sections(sections: BtfSections<'_>) -> Result<ObjectBtf, BtfError> {
        let btf = Btf::parse(sections.btf)?;
        let ext = match sections.ext {
            Some(bytes) => Some(BtfExt::parse(bytes, &btf)?),
            None => None,
        };
        Ok(ObjectBtf { btf, ext })
    }
}

/// Reads the BTF of an ELF object (`clang -target bpf -g`).
pub fn read_object(elf_bytes: &[u8]) -> Result<ObjectBtf, BtfError> {
    ObjectBtf::from_sections(find_sections(elf_bytes)?)
}

/// Finds the `.BTF` section (required) and the `.BTF.ext` section of an ELF object.
pub fn find_sections(elf_bytes: &[u8]) -> Result<BtfSections<'_>, BtfError> {
    let elf = Elf::parse(elf_bytes).map_err(|error| BtfError::NotElf {
        reason: error.to_string(),
    })?;
    let section = |wanted: &'static str| -> Result<Option<&[u8]>, BtfError> {
        let Some(header) = elf
            .section_headers
            .iter()
            .find(|header| elf.shdr_strtab.get_at(header.sh_name) == Some(wanted))
        else {
            return Ok(None);
        };
        if header.sh_type == SHT_NOBITS {
            return Ok(Some(&[]));
        }
        let out_of_file = BtfError::SectionOutOfFile {
            section: wanted,
            offset: header.sh_offset,
            size: header.sh_size,
            file_len: elf_bytes.len(),
        };
        let range = header.file_range().ok_or_else(|| out_of_file.clone())?;
        elf_bytes.get(range).map(Some).ok_or(out_of_file)
    };
    Ok(BtfSections {
        btf: section(".BTF")?.ok_or(BtfError::MissingSection { section: ".BTF" })?,
        ext: section(".BTF.ext")?,
    })
}
