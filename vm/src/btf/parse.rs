//! Reading the `.BTF` section: the header, the type section (every kind) and the string
//! section, then the checks that make every later query bounded: type ids in range, names
//! valid, no cycle and no chain deeper than [`MAX_DEPTH`] through referencing kinds, every
//! struct member sized and inside its struct.
#![forbid(unsafe_code)]

use super::{
    Btf, BtfError, BtfKind, BtfMember, BtfType, Composite, DatasecVar, EnumType, EnumValue,
    FuncParam, IntEncoding, TypeId, MAX_DEPTH,
};

const SECTION: &str = ".BTF";
const MAGIC: u16 = 0xeb9f;
const HEADER_LEN: usize = 24;
/// Size of `struct btf_type`, the common part of every type record.
const TYPE_HEADER_LEN: usize = 12;

/// Little-endian reads that fail (instead of panicking) past the end.
pub(super) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let chunk = bytes.get(at..end)?;
    Some(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
}

pub(super) fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let end = at.checked_add(2)?;
    let chunk = bytes.get(at..end)?;
    Some(u16::from_le_bytes([chunk[0], chunk[1]]))
}

/// The kind numbers of `include/uapi/linux/btf.h`.
pub(super) fn kind_name(kind: u8) -> &'static str {
    match kind {
        0 => "VOID",
        1 => "INT",
        2 => "PTR",
        3 => "ARRAY",
        4 => "STRUCT",
        5 => "UNION",
        6 => "ENUM",
        7 => "FWD",
        8 => "TYPEDEF",
        9 => "VOLATILE",
        10 => "CONST",
        11 => "RESTRICT",
        12 => "FUNC",
        13 => "FUNC_PROTO",
        14 => "VAR",
        15 => "DATASEC",
        16 => "FLOAT",
        17 => "DECL_TAG",
        18 => "TYPE_TAG",
        19 => "ENUM64",
        _ => "unknown",
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
    let header = read_header(bytes)?;
    let strings = bytes[header.str_start..header.str_end].to_vec();
    let types_bytes = &bytes[header.type_start..header.type_end];
    let mut btf = Btf {
        types: vec![BtfType {
            name_off: 0,
            kind: BtfKind::Void,
        }],
        offsets: vec![header.type_start],
        strings,
    };
    read_types(&mut btf, types_bytes, header.type_start)?;
    check_references(&btf)?;
    check_depths(&btf)?;
    check_members(&btf)?;
    Ok(btf)
}

struct Header {
    type_start: usize,
    type_end: usize,
    str_start: usize,
    str_end: usize,
}

fn read_header(bytes: &[u8]) -> Result<Header, BtfError> {
    if bytes.len() < HEADER_LEN {
        return Err(BtfError::Truncated {
            section: SECTION,
            what: "the header",
            offset: 0,
            needed: HEADER_LEN,
            available: bytes.len(),
        });
    }
    let field = |at: usize| read_u32(bytes, at).unwrap_or(0);
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
    let hdr_len = field(4);
    if (hdr_len as usize) < HEADER_LEN {
        return Err(BtfError::BadHeaderLen {
            section: SECTION,
            hdr_len,
            min: HEADER_LEN as u32,
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
    let base = hdr_len as usize;
    let (type_start, type_end) =
        subsection(SECTION, bytes, base, "type section", field(8), field(12))?;
    let (str_start, str_end) =
        subsection(SECTION, bytes, base, "string section", field(16), field(20))?;
    if !(type_start - base).is_multiple_of(4) {
        return Err(BtfError::BadLayout {
            section: SECTION,
            reason: "the type section is not 4-byte aligned",
        });
    }
    if type_start < str_end && str_start < type_end {
        return Err(BtfError::BadLayout {
            section: SECTION,
            reason: "the type and string sections overlap",
        });
    }
    let strings = &bytes[str_start..str_end];
    if strings.first() != Some(&0) || strings.last() != Some(&0) {
        return Err(BtfError::BadLayout {
            section: SECTION,
            reason: "the string section must start and end with a NUL byte",
        });
    }
    Ok(Header {
        type_start,
        type_end,
        str_start,
        str_end,
    })
}

/// The absolute byte range of a subsection whose offset is relative to the header's end.
pub(super) fn subsection(
    section: &'static str,
    bytes: &[u8],
    base: usize,
    name: &'static str,
    offset: u32,
    len: u32,
) -> Result<(usize, usize), BtfError> {
    let start = base as u64 + offset as u64;
    let end = start + len as u64;
    if end > bytes.len() as u64 {
        return Err(BtfError::SubsectionOutOfBounds {
            section,
            subsection: name,
            offset: start,
            len: len as u64,
            available: bytes.len(),
        });
    }
    Ok((start as usize, end as usize))
}

/// Reads type records until the type section is used up; `base` is the section's offset
/// in the `.BTF` bytes, for error messages.
fn read_types(btf: &mut Btf, section: &[u8], base: usize) -> Result<(), BtfError> {
    let mut at = 0;
    while at < section.len() {
        let type_id = TypeId(btf.types.len() as u32);
        let offset = base + at;
        let truncated = |kind: &'static str, needed: usize| BtfError::TruncatedType {
            type_id,
            offset,
            kind,
            needed,
            available: section.len() - at,
        };
        if section.len() - at < TYPE_HEADER_LEN {
            return Err(truncated("type header", TYPE_HEADER_LEN));
        }
        let name_off = read_u32(section, at).unwrap_or(0);
        let info = read_u32(section, at + 4).unwrap_or(0);
        let size_or_type = read_u32(section, at + 8).unwrap_or(0);
        let vlen = (info & 0xffff) as u16;
        let kind = ((info >> 24) & 0x1f) as u8;
        let kind_flag = info >> 31 == 1;
        let kind_str = kind_name(kind);
        if kind == 0 || kind > 19 {
            return Err(BtfError::UnknownKind {
                type_id,
                offset,
                kind,
            });
        }
        // Bytes that follow the common header: a fixed part plus vlen records.
        let (fixed, record) = match kind {
            1 | 14 | 17 => (4, 0),
            3 => (12, 0),
            4 | 5 => (0, 12),
            6 => (0, 8),
            19 => (0, 12),
            13 => (0, 8),
            15 => (0, 12),
            _ => (0, 0),
        };
        // FUNC keeps its linkage in vlen; every other kind without records must have vlen 0.
        if record == 0 && vlen != 0 && kind != 12 {
            return Err(BtfError::BadVlen {
                type_id,
                offset,
                kind: kind_str,
                vlen,
                available: section.len() - at - TYPE_HEADER_LEN,
            });
        }
        let extra = fixed + record * vlen as usize;
        let available = section.len() - at - TYPE_HEADER_LEN;
        if extra > available {
            if record != 0 {
                return Err(BtfError::BadVlen {
                    type_id,
                    offset,
                    kind: kind_str,
                    vlen,
                    available,
                });
            }
            return Err(truncated(kind_str, TYPE_HEADER_LEN + extra));
        }
        let body = &section[at + TYPE_HEADER_LEN..at + TYPE_HEADER_LEN + extra];
        let word = |i: usize| read_u32(body, i * 4).unwrap_or(0);
        btf.check_string(name_off, || format!("the name of type {type_id}"))?;
        let invalid = |reason: String| BtfError::InvalidType {
            type_id,
            offset,
            reason,
        };
        let target = TypeId(size_or_type);
        let kind = match kind {
            1 => {
                let data = word(0);
                let encoding = IntEncoding {
                    signed: data >> 24 & 1 != 0,
                    char: data >> 24 & 2 != 0,
                    bool: data >> 24 & 4 != 0,
                };
                let bit_offset = (data >> 16 & 0xff) as u8;
                let n_bits = (data & 0xff) as u8;
                if !matches!(size_or_type, 1 | 2 | 4 | 8 | 16) {
                    return Err(invalid(format!("INT of size {size_or_type}")));
                }
                if n_bits as u32 + bit_offset as u32 > size_or_type * 8 || n_bits > 128 {
                    return Err(invalid(format!(
                        "INT of {n_bits} bits at bit {bit_offset} does not fit its {size_or_type} bytes"
                    )));
                }
                BtfKind::Int {
                    size: size_or_type,
                    encoding,
                    bit_offset,
                    n_bits,
                }
            }
            2 => BtfKind::Ptr { target },
            3 => BtfKind::Array {
                elem: TypeId(word(0)),
                index: TypeId(word(1)),
                n_elems: word(2),
            },
            4 | 5 => {
                let mut members = Vec::with_capacity(vlen as usize);
                for i in 0..vlen as usize {
                    let name_off = word(i * 3);
                    btf.check_string(name_off, || {
                        format!("the name of member {i} of type {type_id}")
                    })?;
                    let raw = word(i * 3 + 2);
                    let (bit_offset, bitfield_size) = if kind_flag {
                        (raw & 0xff_ffff, (raw >> 24) as u8)
                    } else {
                        (raw, 0)
                    };
                    members.push(BtfMember {
                        name_off,
                        ty: TypeId(word(i * 3 + 1)),
                        bit_offset,
                        bitfield_size,
                    });
                }
                let composite = Composite {
                    size: size_or_type,
                    members,
                };
                if kind == 4 {
                    BtfKind::Struct(composite)
                } else {
                    BtfKind::Union(composite)
                }
            }
            6 | 19 => {
                let per = if kind == 6 { 2 } else { 3 };
                let mut values = Vec::with_capacity(vlen as usize);
                for i in 0..vlen as usize {
                    let name_off = word(i * per);
                    btf.check_string(name_off, || {
                        format!("the name of enumerator {i} of type {type_id}")
                    })?;
                    let value = if kind == 6 {
                        if kind_flag {
                            word(i * per + 1) as i32 as i64 as u64
                        } else {
                            word(i * per + 1) as u64
                        }
                    } else {
                        (word(i * per + 2) as u64) << 32 | word(i * per + 1) as u64
                    };
                    values.push(EnumValue { name_off, value });
                }
                if !matches!(size_or_type, 1 | 2 | 4 | 8) {
                    return Err(invalid(format!("{kind_str} of size {size_or_type}")));
                }
                let enum_type = EnumType {
                    size: size_or_type,
                    signed: kind_flag,
                    values,
                };
                if kind == 6 {
                    BtfKind::Enum(enum_type)
                } else {
                    BtfKind::Enum64(enum_type)
                }
            }
            7 => BtfKind::Fwd {
                is_union: kind_flag,
            },
            8 => BtfKind::Typedef { target },
            9 => BtfKind::Volatile { target },
            10 => BtfKind::Const { target },
            11 => BtfKind::Restrict { target },
            12 => BtfKind::Func {
                proto: target,
                linkage: vlen,
            },
            13 => {
                let mut params = Vec::with_capacity(vlen as usize);
                for i in 0..vlen as usize {
                    let name_off = word(i * 2);
                    btf.check_string(name_off, || {
                        format!("the name of parameter {i} of type {type_id}")
                    })?;
                    params.push(FuncParam {
                        name_off,
                        ty: TypeId(word(i * 2 + 1)),
                    });
                }
                BtfKind::FuncProto {
                    ret: target,
                    params,
                }
            }
            14 => BtfKind::Var {
                target,
                linkage: word(0),
            },
            15 => {
                let mut vars = Vec::with_capacity(vlen as usize);
                for i in 0..vlen as usize {
                    vars.push(DatasecVar {
                        var: TypeId(word(i * 3)),
                        offset: word(i * 3 + 1),
                        size: word(i * 3 + 2),
                    });
                }
                BtfKind::Datasec {
                    size: size_or_type,
                    vars,
                }
            }
            16 => {
                if !matches!(size_or_type, 2 | 4 | 8 | 12 | 16) {
                    return Err(invalid(format!("FLOAT of size {size_or_type}")));
                }
                BtfKind::Float { size: size_or_type }
            }
            17 => BtfKind::DeclTag {
                target,
                component_idx: word(0) as i32,
            },
            18 => BtfKind::TypeTag { target },
            _ => unreachable!("kinds above 19 were rejected"),
        };
        btf.types.push(BtfType { name_off, kind });
        btf.offsets.push(offset);
        at += TYPE_HEADER_LEN + extra;
    }
    Ok(())
}

/// Every type id a type refers to is in range.
fn check_references(btf: &Btf) -> Result<(), BtfError> {
    let n_types = btf.types.len() as u32;
    for (index, ty) in btf.types.iter().enumerate() {
        for i in 0..ty.kind.n_references() {
            let referenced = ty.kind.reference(i).0;
            if referenced >= n_types {
                return Err(BtfError::TypeIdOutOfRange {
                    type_id: TypeId(index as u32),
                    offset: btf.offsets[index],
                    referenced,
                    n_types,
                });
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnStack,
    Done(usize),
}

/// No cycle and no chain longer than [`MAX_DEPTH`] through the edges that queries follow
/// (modifiers, typedefs, pointers, arrays, function prototypes, variables, data sections;
/// never struct or union members, which is how C breaks its cycles). An iterative
/// depth-first search, linear in the number of edges.
fn check_depths(btf: &Btf) -> Result<(), BtfError> {
    let n = btf.types.len();
    let mut state = vec![Visit::New; n];
    // (type index, next edge to explore, deepest child so far)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for root in 0..n {
        if state[root] != Visit::New {
            continue;
        }
        state[root] = Visit::OnStack;
        stack.push((root, 0, 0));
        while let Some(top) = stack.last_mut() {
            let (index, edge, deepest) = *top;
            let kind = &btf.types[index].kind;
            if edge < kind.n_edges() {
                top.1 += 1;
                let child = kind.reference(edge).0 as usize;
                match state[child] {
                    Visit::Done(depth) => top.2 = deepest.max(depth),
                    Visit::OnStack => {
                        return Err(BtfError::Cycle {
                            type_id: TypeId(child as u32),
                            offset: btf.offsets[child],
                        })
                    }
                    Visit::New => {
                        if stack.len() > MAX_DEPTH {
                            return Err(BtfError::TooDeep {
                                type_id: TypeId(root as u32),
                                offset: btf.offsets[root],
                                limit: MAX_DEPTH,
                            });
                        }
                        state[child] = Visit::OnStack;
                        stack.push((child, 0, 0));
                    }
                }
            } else {
                let depth = if kind.n_edges() == 0 { 0 } else { deepest + 1 };
                if depth > MAX_DEPTH {
                    return Err(BtfError::TooDeep {
                        type_id: TypeId(index as u32),
                        offset: btf.offsets[index],
                        limit: MAX_DEPTH,
                    });
                }
                state[index] = Visit::Done(depth);
                stack.pop();
                if let Some(parent) = stack.last_mut() {
                    parent.2 = parent.2.max(depth);
                }
            }
        }
    }
    Ok(())
}

/// Every struct or union member has a size and lies inside its struct, as the kernel
/// requires, so that struct layouts can always be computed.
fn check_members(btf: &Btf) -> Result<(), BtfError> {
    for (index, ty) in btf.types.iter().enumerate() {
        let (BtfKind::Struct(composite) | BtfKind::Union(composite)) = &ty.kind else {
            continue;
        };
        let type_id = TypeId(index as u32);
        for member in &composite.members {
            let invalid = |reason: String| BtfError::InvalidType {
                type_id,
                offset: btf.offsets[index],
                reason,
            };
            let size = btf.size_of(member.ty).map_err(|error| {
                invalid(format!(
                    "member `{}` has no size: {error}",
                    btf.name(member.name_off)
                ))
            })?;
            let bits = if member.bitfield_size != 0 {
                member.bitfield_size as u64
            } else {
                size as u64 * 8
            };
            if btf.bitfield(member).is_none() && member.bit_offset % 8 != 0 {
                return Err(invalid(format!(
                    "member `{}` starts at bit {}, inside a byte, but is not a bitfield",
                    btf.name(member.name_off),
                    member.bit_offset
                )));
            }
            if member.bitfield_size as u64 > size as u64 * 8 {
                return Err(invalid(format!(
                    "member `{}` is a {}-bit field of a {size}-byte type",
                    btf.name(member.name_off),
                    member.bitfield_size
                )));
            }
            if member.bit_offset as u64 + bits > composite.size as u64 * 8 {
                return Err(invalid(format!(
                    "member `{}` (bits {}..{}) ends beyond the {}-byte {}",
                    btf.name(member.name_off),
                    member.bit_offset,
                    member.bit_offset as u64 + bits,
                    composite.size,
                    ty.kind.name()
                )));
            }
        }
    }
    Ok(())
}
