//! Why BTF cannot be read or answer a query; each error names the section, the type id and
//! the byte offset (within the section) where the problem lies.
#![forbid(unsafe_code)]

use super::TypeId;

/// Why a `.BTF` or `.BTF.ext` section cannot be read, or a query about it fails.
///
/// Offsets are byte offsets from the start of the section's bytes as given to the parser.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BtfError {
    #[error(
        "{section}: {what} needs {needed} bytes at offset {offset}, \
         but the section ends at {available}"
    )]
    Truncated {
        section: &'static str,
        what: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("{section}: bad magic {found:#06x} (expected 0xeb9f, little endian)")]
    BadMagic { section: &'static str, found: u16 },
    #[error("{section}: unsupported version {found} (expected 1)")]
    UnsupportedVersion { section: &'static str, found: u8 },
    #[error("{section}: header length {hdr_len} is below the minimum {min}")]
    BadHeaderLen {
        section: &'static str,
        hdr_len: u32,
        min: u32,
    },
    #[error(
        "{section}: the {subsection} ({len} bytes at offset {offset}) lies beyond the end of \
         the {available}-byte section"
    )]
    SubsectionOutOfBounds {
        section: &'static str,
        subsection: &'static str,
        offset: u64,
        len: u64,
        available: usize,
    },
    #[error("{section}: {reason}")]
    BadLayout {
        section: &'static str,
        reason: &'static str,
    },
    #[error(
        ".BTF: string offset {string_offset} (for {referrer}) is not a valid string: {reason}"
    )]
    BadString {
        string_offset: u32,
        referrer: String,
        reason: &'static str,
    },
    #[error(".BTF: type {type_id} at offset {offset}: unknown kind {kind}")]
    UnknownKind {
        type_id: TypeId,
        offset: usize,
        kind: u8,
    },
    #[error(
        ".BTF: type {type_id} ({kind}) at offset {offset}: needs {needed} bytes, \
         but the type section ends at {available}"
    )]
    TruncatedType {
        type_id: TypeId,
        offset: usize,
        kind: &'static str,
        needed: usize,
        available: usize,
    },
    #[error(
        ".BTF: type {type_id} ({kind}) at offset {offset}: vlen {vlen} is impossible for this \
         kind or for the {available} bytes left in the type section"
    )]
    BadVlen {
        type_id: TypeId,
        offset: usize,
        kind: &'static str,
        vlen: u16,
        available: usize,
    },
    #[error(
        ".BTF: type {type_id} at offset {offset} refers to type {referenced}, \
         but there are only {n_types} types (ids 0 to {})",
        n_types - 1
    )]
    TypeIdOutOfRange {
        type_id: TypeId,
        offset: usize,
        referenced: u32,
        n_types: u32,
    },
    #[error(".BTF: type {type_id} at offset {offset}: {reason}")]
    InvalidType {
        type_id: TypeId,
        offset: usize,
        reason: String,
    },
    #[error(".BTF: type {type_id} at offset {offset} is part of a cycle of referenced types")]
    Cycle { type_id: TypeId, offset: usize },
    #[error(
        ".BTF: type {type_id} at offset {offset}: its chain of referenced types is more than \
         {limit} deep"
    )]
    TooDeep {
        type_id: TypeId,
        offset: usize,
        limit: usize,
    },
    #[error("no type {type_id}: there are only {n_types} types")]
    UnknownType { type_id: TypeId, n_types: u32 },
    #[error(".BTF: type {type_id} ({kind}) has no size")]
    NoSize { type_id: TypeId, kind: &'static str },
    #[error(".BTF: the size of type {type_id} overflows 32 bits")]
    SizeOverflow { type_id: TypeId },
    #[error(".maps: map `{map}`: {reason}")]
    BadMap { map: String, reason: String },
    #[error(".maps: map `{map}`: member `{member}`: {reason}")]
    BadMapMember {
        map: String,
        member: String,
        reason: String,
    },
    #[error(".maps: map `{map}`: member `{member}` is missing")]
    MissingMapMember { map: String, member: &'static str },
    #[error(
        ".maps: map `{map}`: member `{member}` is not supported (ringfence reads type, \
         max_entries, map_flags, key, value, key_size and value_size)"
    )]
    UnknownMapMember { map: String, member: String },
    #[error(
        ".BTF.ext: {subsection}: record size {record_size} at offset {offset} is invalid \
         (at least {min}, a multiple of 4)"
    )]
    BadRecordSize {
        subsection: &'static str,
        offset: usize,
        record_size: u32,
        min: u32,
    },
    #[error(".BTF.ext: {subsection}, section `{section}` at offset {offset}: {reason}")]
    BadExtSection {
        subsection: &'static str,
        section: String,
        offset: usize,
        reason: String,
    },
    #[error("not an ELF object: {reason}")]
    NotElf { reason: String },
    #[error("the object has no {section} section: compile with `-g`")]
    MissingSection { section: &'static str },
    #[error(
        "section {section}: its data ({size} bytes at offset {offset}) lies beyond the end of \
         the {file_len}-byte file"
    )]
    SectionOutOfFile {
        section: &'static str,
        offset: u64,
        size: u64,
        file_len: usize,
    },
}
