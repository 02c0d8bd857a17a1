//! `.BTF.ext`: the function and line information clang records per code section, read the
//! way libbpf reads it (`btf_ext_parse`): a header, then for each of the func_info and
//! line_info subsections a record size followed by, per ELF section, the section's name (a
//! `.BTF` string), a record count and the records. Record sizes come from the file, so a
//! newer compiler's longer records still read; only the known leading fields are used.
//!
//! In an object file (before libbpf rewrites them) `insn_off` is a byte offset within the
//! section, matching the origins [`crate::elf::ElfProgram::origins`] records.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use super::parse::{read_u16, read_u32, subsection};
use super::{Btf, BtfError, BtfKind, TypeId};

const SECTION: &str = ".BTF.ext";
const MAGIC: u16 = 0xeb9f;
/// magic, version, flags, hdr_len and the offsets and lengths of func_info and line_info.
const MIN_HEADER_LEN: usize = 24;
/// `struct bpf_func_info`: insn_off, type_id.
const MIN_FUNC_RECORD: u32 = 8;
/// `struct bpf_line_info`: insn_off, file_name_off, line_off, line_col.
const MIN_LINE_RECORD: u32 = 16;

/// The func_info and line_info of an object, by section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BtfExt {
    /// In the order sections first appear in the file.
    sections: Vec<ExtSection>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ExtSection {
    name: String,
    /// Sorted by `insn_off` (stably: file order among equal offsets).
    funcs: Vec<FuncInfo>,
    /// Sorted by `insn_off` (stably).
    lines: Vec<LineInfo>,
}

/// Where a function starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    pub section: String,
    /// Byte offset within the section.
    pub insn_off: u32,
    /// The function's `FUNC` type.
    pub type_id: TypeId,
    pub name: String,
}

/// The C line an instruction comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInfo {
    pub section: String,
    /// Byte offset within the section.
    pub insn_off: u32,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The source line's text, as clang recorded it.
    pub line_text: String,
}

impl BtfExt {
    /// Parses a `.BTF.ext` section; names and types refer to `btf`, the object's `.BTF`.
    pub fn parse(bytes: &[u8], btf: &Btf) -> Result<BtfExt, BtfError> {
        if bytes.len() < 8 {
            return Err(BtfError::Truncated {
                section: SECTION,
                what: "the header",
                offset: 0,
                needed: 8,
                available: bytes.len(),
            });
        }
        let magic = read_u16(bytes, 0).unwrap_or(0);
        if magic != MAGIC {
            return Err(BtfError::BadMagic {
                section: SECTION,
                found: magic,
            });
        }
        if bytes[2] != 1 {
            return Err(BtfError::UnsupportedVersion {
                section: SECTION,
                found: bytes[2],
            });
        }
        let hdr_len = read_u32(bytes, 4).unwrap_or(0);
        if (hdr_len as usize) < MIN_HEADER_LEN {
            return Err(BtfError::BadHeaderLen {
                section: SECTION,
                hdr_len,
                min: MIN_HEADER_LEN as u32,
            });
        }
        if hdr_len as usize > bytes.len() {
            return Err(BtfError::Truncated {
                section: SECTION,
                what: "the header (hdr_len)",
                offset: 0,
                needed: hdr_len as usize,
                available: bytes.len(),
            });
        }
        let field = |at: usize| read_u32(bytes, at).unwrap_or(0);
        let base = hdr_len as usize;
        let mut ext = Builder {
            btf,
            by_name: HashMap::new(),
            ext: BtfExt::default(),
        };
        let (start, end) = subsection(SECTION, bytes, base, "func_info", field(8), field(12))?;
        read_subsection(
            btf,
            bytes,
            start,
            end,
            "func_info",
            MIN_FUNC_RECORD,
            &mut |at, name| ext.func(bytes, at, name),
        )?;
        let (start, end) = subsection(SECTION, bytes, base, "line_info", field(16), field(20))?;
        read_subsection(
            btf,
            bytes,
            start,
            end,
            "line_info",
            MIN_LINE_RECORD,
            &mut |at, name| ext.line(bytes, at, name),
        )?;
        let mut ext = ext.ext;
        for section in &mut ext.sections {
            section.funcs.sort_by_key(|func| func.insn_off);
            section.lines.sort_by_key(|line| line.insn_off);
        }
        Ok(ext)
    }

    /// The line of the instruction at `byte_offset` in `section`: the closest line entry at
    /// or before that offset (clang records one per change of line, not per instruction).
    pub fn line_at(&self, section: &str, byte_offset: u64) -> Option<&LineInfo> {
        let lines = &self.section(section)?.lines;
        let after = lines.partition_point(|line| line.insn_off as u64 <= byte_offset);
        after.checked_sub(1).map(|index| &lines[index])
    }

    /// The function whose code holds `byte_offset` in `section` (the last to start at or
    /// before it).
    pub fn func_at(&self, section: &str, byte_offset: u64) -> Option<&FuncInfo> {
        let funcs = &self.section(section)?.funcs;
        let after = funcs.partition_point(|func| func.insn_off as u64 <= byte_offset);
        after.checked_sub(1).map(|index| &funcs[index])
    }

    /// Every line entry, section by section, by offset.
    pub fn line_infos(&self) -> impl Iterator<Item = &LineInfo> + '_ {
        self.sections.iter().flat_map(|section| &section.lines)
    }

    /// Every function entry, section by section, by offset.
    pub fn func_infos(&self) -> impl Iterator<Item = &FuncInfo> + '_ {
        self.sections.iter().flat_map(|section| &section.funcs)
    }

    fn section(&self, name: &str) -> Option<&ExtSection> {
        self.sections.iter().find(|section| section.name == name)
    }
}

/// Collects records into their sections.
struct Builder<'a> {
    btf: &'a Btf,
    by_name: HashMap<u32, usize>,
    ext: BtfExt,
}

impl Builder<'_> {
    fn section(&mut self, name_off: u32) -> &mut ExtSection {
        let index = *self.by_name.entry(name_off).or_insert_with(|| {
            self.ext.sections.push(ExtSection {
                name: self.btf.name(name_off).into_owned(),
                funcs: Vec::new(),
                lines: Vec::new(),
            });
            self.ext.sections.len() - 1
        });
        &mut self.ext.sections[index]
    }

    fn func(&mut self, bytes: &[u8], at: usize, name_off: u32) -> Result<(), BtfError> {
        let insn_off = read_u32(bytes, at).unwrap_or(0);
        let type_id = TypeId(read_u32(bytes, at + 4).unwrap_or(0));
        let func = self.btf.types.get(type_id.0 as usize);
        let Some(func) = func.filter(|ty| matches!(ty.kind, BtfKind::Func { .. })) else {
            return Err(BtfError::BadExtSection {
                subsection: "func_info",
                section: self.btf.name(name_off).into_owned(),
                offset: at,
                reason: format!(
                    "the record refers to type {type_id}, which is {}, not a FUNC",
                    func.map_or("out of range", |ty| ty.kind.name())
                ),
            });
        };
        let name = self.btf.name(func.name_off).into_owned();
        let section = self.section(name_off);
        let record = FuncInfo {
            section: section.name.clone(),
            insn_off,
            type_id,
            name,
        };
        section.funcs.push(record);
        Ok(())
    }

    fn line(&mut self, bytes: &[u8], at: usize, name_off: u32) -> Result<(), BtfError> {
        let word = |i: usize| read_u32(bytes, at + 4 * i).unwrap_or(0);
        let (insn_off, file_off, line_off, line_col) = (word(0), word(1), word(2), word(3));
        for (what, offset) in [("file name", file_off), ("line text", line_off)] {
            self.btf.check_string(offset, || {
                format!(
                    "the {what} of the line_info record at .BTF.ext offset {at} (section `{}`)",
                    self.btf.name(name_off)
                )
            })?;
        }
        let file = self.btf.name(file_off).into_owned();
        let line_text = self.btf.name(line_off).into_owned();
        let section = self.section(name_off);
        let record = LineInfo {
            section: section.name.clone(),
            insn_off,
            file,
            line: line_col >> 10,
            column: line_col & 0x3ff,
            line_text,
        };
        section.lines.push(record);
        Ok(())
    }
}

/// Reads one subsection at `start..end`: a record size, then per section its name offset,
/// its record count and its records, each given to `record(offset, section_name_off)`.
fn read_subsection(
    btf: &Btf,
    bytes: &[u8],
    start: usize,
    end: usize,
    subsection: &'static str,
    min_record: u32,
    record: &mut dyn FnMut(usize, u32) -> Result<(), BtfError>,
) -> Result<(), BtfError> {
    if start == end {
        return Ok(());
    }
    let record_size =
        read_u32(bytes, start)
            .filter(|_| end - start >= 4)
            .ok_or(BtfError::Truncated {
                section: SECTION,
                what: "a subsection's record size",
                offset: start,
                needed: 4,
                available: end - start,
            })?;
    if record_size < min_record || record_size % 4 != 0 {
        return Err(BtfError::BadRecordSize {
            subsection,
            offset: start,
            record_size,
            min: min_record,
        });
    }
    let mut at = start + 4;
    while at < end {
        if end - at < 8 {
            return Err(BtfError::Truncated {
                section: SECTION,
                what: "a section header of a subsection",
                offset: at,
                needed: 8,
                available: end - at,
            });
        }
        let name_off = read_u32(bytes, at).unwrap_or(0);
        let n_records = read_u32(bytes, at + 4).unwrap_or(0);
        let bad = |reason: String| BtfError::BadExtSection {
            subsection,
            section: match btf.string_bytes(name_off) {
                Some(_) => btf.name(name_off).into_owned(),
                None => format!("#{name_off}"),
            },
            offset: at,
            reason,
        };
        if btf.string_bytes(name_off).is_none() {
            return Err(bad(
                "the section's name offset lies beyond the .BTF string section".to_string(),
            ));
        }
        if n_records == 0 {
            return Err(bad("it has no records".to_string()));
        }
        let needed = n_records as u64 * record_size as u64;
        let available = (end - at - 8) as u64;
        if needed > available {
            return Err(bad(format!(
                "{n_records} records of {record_size} bytes need {needed} bytes, \
                 but the subsection has {available} left"
            )));
        }
        at += 8;
        for _ in 0..n_records {
            record(at, name_off)?;
            at += record_size as usize;
        }
    }
    Ok(())
}
