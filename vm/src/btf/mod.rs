//! BTF, the BPF Type Format, as clang writes it into `.BTF` and `.BTF.ext` (`clang -g`):
//! the types of a rule's structs, the definitions of its BTF-defined maps, and the line
//! information that maps each instruction back to a line of C.
//!
//! The format is the kernel's (`Documentation/bpf/btf.rst`, `include/uapi/linux/btf.h`);
//! `.BTF.ext` and `.maps` are read the way libbpf reads them (`tools/lib/bpf/btf.c`,
//! `libbpf.c`: record sizes from the subsection headers, `__uint(name, N)` as
//! `int (*name)[N]`, `__type(name, T)` as `T *name`).
//!
//! Module map:
//! - [`Btf::parse`] (in `parse`): the header, every kind, the strings, and the checks;
//! - the queries on [`Btf`] (here and in `print`): [`Btf::resolve`], [`Btf::size_of`],
//!   [`Btf::type_name`] (printed like C), [`Btf::find_struct`] giving a [`StructLayout`];
//! - `maps`: [`Btf::map_defs`], the [`BtfMapDef`] of each variable in the `.maps` DATASEC;
//! - `ext`: [`BtfExt`], func and line information, and [`BtfExt::line_at`];
//! - `object`: [`read_object`], fetching both sections from an ELF object.
//!
//! Architecture Invariant: parsing checks everything later queries rely on, so queries
//! never loop without bound: every type id in range, every name offset inside the string
//! section, no cycle and no chain deeper than [`MAX_DEPTH`] through referencing kinds
//! (modifiers, typedefs, pointers, arrays, prototypes, variables, data sections), every
//! struct member sized. Malformed input is a [`BtfError`] naming the type id and the byte
//! offset, never a panic. Allocation is bounded by the input's size: counts are checked
//! against the bytes left before anything is reserved, and strings copied out of the
//! string section are cut at [`MAX_STRING_LEN`] bytes.
//!
//! Deliberately absent: CO-RE relocations (`.BTF.ext`'s core_relo subsection is skipped),
//! split BTF (a base such as vmlinux), big-endian BTF, writing BTF, and libbpf's fix-ups of
//! DATASEC sizes and offsets from the ELF symbol table (the DATASEC is read as written).
#![forbid(unsafe_code)]

mod error;
mod ext;
mod maps;
mod object;
mod parse;
mod print;

use std::borrow::Cow;
use std::fmt;

pub use error::BtfError;
pub use ext::{BtfExt, FuncInfo, LineInfo};
pub use maps::BtfMapDef;
pub use object::{find_sections, read_object, BtfSections, ObjectBtf};

/// The longest chain of referencing types (`const` → `typedef` → pointer → ...) accepted,
/// as libbpf's `MAX_RESOLVE_DEPTH`.
pub const MAX_DEPTH: usize = 32;

/// The most bytes of one string (a name, a file name, a source line) copied out of the
/// string section; longer strings are cut.
pub const MAX_STRING_LEN: usize = 4096;

/// A type's id: its index in the type section, counting from 1; 0 is `void`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub u32);

impl TypeId {
    pub const VOID: TypeId = TypeId(0);
}

impl fmt::Display for TypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A parsed `.BTF` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Btf {
    /// Indexed by type id; `types[0]` is `void`.
    types: Vec<BtfType>,
    /// The byte offset of each type's record in the section (for `void`, the type
    /// section's start).
    offsets: Vec<usize>,
    /// The string section; starts and ends with a NUL byte.
    strings: Vec<u8>,
}

/// One type: its name (an offset in the string section; 0 for none) and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtfType {
    pub name_off: u32,
    pub kind: BtfKind,
}

/// The kinds of `include/uapi/linux/btf.h`, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BtfKind {
    /// Type id 0.
    Void,
    Int {
        size: u32,
        encoding: IntEncoding,
        /// Bit offset and width within the `size` bytes (a width below `size * 8`, or an
        /// offset, marks an old-style bitfield member type).
        bit_offset: u8,
        n_bits: u8,
    },
    Ptr {
        target: TypeId,
    },
    Array {
        elem: TypeId,
        index: TypeId,
        n_elems: u32,
    },
    Struct(Composite),
    Union(Composite),
    Enum(EnumType),
    Enum64(EnumType),
    /// A forward declaration (`struct x;` or `union x;`).
    Fwd {
        is_union: bool,
    },
    Typedef {
        target: TypeId,
    },
    Volatile {
        target: TypeId,
    },
    Const {
        target: TypeId,
    },
    Restrict {
        target: TypeId,
    },
    Func {
        proto: TypeId,
        /// 0 static, 1 global, 2 extern.
        linkage: u16,
    },
    FuncProto {
        ret: TypeId,
        /// A last parameter with no name and type 0 marks a variadic function.
        params: Vec<FuncParam>,
    },
    Var {
        target: TypeId,
        /// 0 static, 1 global, 2 extern.
        linkage: u32,
    },
    Datasec {
        size: u32,
        vars: Vec<DatasecVar>,
    },
    Float {
        size: u32,
    },
    DeclTag {
        target: TypeId,
        /// -1 for the type itself, else the member or parameter index.
        component_idx: i32,
    },
    TypeTag {
        target: TypeId,
    },
}

/// `BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntEncoding {
    pub signed: bool,
    pub char: bool,
    pub bool: bool,
}

/// A struct's or union's size and members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composite {
    pub size: u32,
    pub members: Vec<BtfMember>,
}

/// A struct or union member as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtfMember {
    pub name_off: u32,
    pub ty: TypeId,
    /// From the start of the struct.
    pub bit_offset: u32,
    /// The width of a bitfield recorded with the kind flag; 0 otherwise.
    pub bitfield_size: u8,
}

/// An enum's size, signedness and enumerators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumType {
    pub size: u32,
    pub signed: bool,
    pub values: Vec<EnumValue>,
}

/// One enumerator; a signed 32-bit value is sign-extended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    pub name_off: u32,
    pub value: u64,
}

/// A function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncParam {
    pub name_off: u32,
    pub ty: TypeId,
}

/// A variable in a data section, at an offset as clang wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatasecVar {
    pub var: TypeId,
    pub offset: u32,
    pub size: u32,
}

/// A struct's or union's layout, as `pahole` would print it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructLayout {
    pub name: String,
    pub size: u32,
    pub is_union: bool,
    pub members: Vec<Member>,
}

/// One member of a [`StructLayout`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Empty for an anonymous struct or union member.
    pub name: String,
    /// For a bitfield, the byte holding its first bit.
    pub offset_bytes: u32,
    /// For a bitfield, the number of bytes its bits touch.
    pub size_bytes: u32,
    /// The member's type printed like C: `__u32`, `struct rf_str`, `char[16]`.
    pub type_name: String,
    pub type_id: TypeId,
    pub bitfield: Option<Bitfield>,
}

/// Where a bitfield member's bits lie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bitfield {
    /// From the start of the struct.
    pub bit_offset: u32,
    pub bits: u32,
}

impl BtfKind {
    /// The kernel's name of the kind: `INT`, `STRUCT`, `FUNC_PROTO`...
    pub fn name(&self) -> &'static str {
        match self {
            BtfKind::Void => "VOID",
            BtfKind::Int { .. } => "INT",
            BtfKind::Ptr { .. } => "PTR",
            BtfKind::Array { .. } => "ARRAY",
            BtfKind::Struct(_) => "STRUCT",
            BtfKind::Union(_) => "UNION",
            BtfKind::Enum(_) => "ENUM",
            BtfKind::Enum64(_) => "ENUM64",
            BtfKind::Fwd { .. } => "FWD",
            BtfKind::Typedef { .. } => "TYPEDEF",
            BtfKind::Volatile { .. } => "VOLATILE",
            BtfKind::Const { .. } => "CONST",
            BtfKind::Restrict { .. } => "RESTRICT",
            BtfKind::Func { .. } => "FUNC",
            BtfKind::FuncProto { .. } => "FUNC_PROTO",
            BtfKind::Var { .. } => "VAR",
            BtfKind::Datasec { .. } => "DATASEC",
            BtfKind::Float { .. } => "FLOAT",
            BtfKind::DeclTag { .. } => "DECL_TAG",
            BtfKind::TypeTag { .. } => "TYPE_TAG",
        }
    }

    /// How many type ids this type refers to; see [`BtfKind::reference`].
    fn n_references(&self) -> usize {
        match self {
            BtfKind::Struct(composite) | BtfKind::Union(composite) => composite.members.len(),
            _ => self.n_edges(),
        }
    }

    /// How many of the references queries follow (all but struct and union members).
    fn n_edges(&self) -> usize {
        match self {
            BtfKind::Void
            | BtfKind::Int { .. }
            | BtfKind::Enum(_)
            | BtfKind::Enum64(_)
            | BtfKind::Fwd { .. }
            | BtfKind::Float { .. }
            | BtfKind::Struct(_)
            | BtfKind::Union(_) => 0,
            BtfKind::Array { .. } => 2,
            BtfKind::FuncProto { params, .. } => 1 + params.len(),
            BtfKind::Datasec { vars, .. } => vars.len(),
            BtfKind::Ptr { .. }
            | BtfKind::Typedef { .. }
            | BtfKind::Volatile { .. }
            | BtfKind::Const { .. }
            | BtfKind::Restrict { .. }
            | BtfKind::TypeTag { .. }
            | BtfKind::Func { .. }
            | BtfKind::Var { .. }
            | BtfKind::DeclTag { .. } => 1,
        }
    }

    /// The `i`th type id this type refers to, `i < n_references()`.
    fn reference(&self, i: usize) -> TypeId {
        match self {
            BtfKind::Struct(composite) | BtfKind::Union(composite) => composite.members[i].ty,
            BtfKind::Array { elem, index, .. } => {
                if i == 0 {
                    *elem
                } else {
                    *index
                }
            }
            BtfKind::FuncProto { ret, params } => {
                if i == 0 {
                    *ret
                } else {
                    params[i - 1].ty
                }
            }
            BtfKind::Datasec { vars, .. } => vars[i].var,
            BtfKind::Ptr { target }
            | BtfKind::Typedef { target }
            | BtfKind::Volatile { target }
            | BtfKind::Const { target }
            | BtfKind::Restrict { target }
            | BtfKind::TypeTag { target }
            | BtfKind::Var { target, .. }
            | BtfKind::DeclTag { target, .. } => *target,
            BtfKind::Func { proto, .. } => *proto,
            BtfKind::Void
            | BtfKind::Int { .. }
            | BtfKind::Enum(_)
            | BtfKind::Enum64(_)
            | BtfKind::Fwd { .. }
            | BtfKind::Float { .. } => TypeId::VOID,
        }
    }

    /// The type a modifier or typedef stands for.
    fn modified(&self) -> Option<TypeId> {
        match self {
            BtfKind::Typedef { target }
            | BtfKind::Volatile { target }
            | BtfKind::Const { target }
            | BtfKind::Restrict { target }
            | BtfKind::TypeTag { target } => Some(*target),
            _ => None,
        }
    }
}

impl Btf {
    /// Parses and checks a `.BTF` section.
    pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
        parse::parse(bytes)
    }

    /// The number of types, `void` included: valid ids are `0..n_types()`.
    pub fn n_types(&self) -> u32 {
        self.types.len() as u32
    }

    /// Every type with its id, `void` first.
    pub fn types(&self) -> impl Iterator<Item = (TypeId, &BtfType)> + '_ {
        self.types
            .iter()
            .enumerate()
            .map(|(index, ty)| (TypeId(index as u32), ty))
    }

    pub fn type_by_id(&self, type_id: TypeId) -> Result<&BtfType, BtfError> {
        self.types
            .get(type_id.0 as usize)
            .ok_or(BtfError::UnknownType {
                type_id,
                n_types: self.n_types(),
            })
    }

    /// Where a type's record starts in the `.BTF` section.
    pub fn type_offset(&self, type_id: TypeId) -> Option<usize> {
        self.offsets.get(type_id.0 as usize).copied()
    }

    /// The string at `offset` in the string section, whole.
    pub fn string_at(&self, offset: u32) -> Result<&str, BtfError> {
        let bad = |reason| BtfError::BadString {
            string_offset: offset,
            referrer: "a query".to_string(),
            reason,
        };
        let bytes = self
            .string_bytes(offset)
            .ok_or_else(|| bad("beyond the string section"))?;
        std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))
    }

    /// The string at `offset`, cut at [`MAX_STRING_LEN`] bytes, invalid UTF-8 replaced;
    /// empty if `offset` lies outside the string section.
    pub fn name(&self, offset: u32) -> Cow<'_, str> {
        let bytes = self.string_bytes(offset).unwrap_or_default();
        String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_STRING_LEN)])
    }

    /// The name of a type (empty for anonymous types).
    pub fn type_name_of(&self, type_id: TypeId) -> Cow<'_, str> {
        match self.types.get(type_id.0 as usize) {
            Some(ty) => self.name(ty.name_off),
            None => Cow::Borrowed(""),
        }
    }

    /// The type a chain of typedefs, `const`, `volatile`, `restrict` and type tags ends at.
    pub fn resolve(&self, type_id: TypeId) -> Result<TypeId, BtfError> {
        let mut current = type_id;
        for _ in 0..=MAX_DEPTH {
            match self.type_by_id(current)?.kind.modified() {
                Some(target) => current = target,
                None => return Ok(current),
            }
        }
        Err(self.too_deep(type_id))
    }

    /// The size in bytes of a value of the type (`sizeof` in C).
    pub fn size_of(&self, type_id: TypeId) -> Result<u32, BtfError> {
        let mut current = type_id;
        let mut n_elems: u64 = 1;
        for _ in 0..=MAX_DEPTH {
            let ty = self.type_by_id(current)?;
            let size = match &ty.kind {
                BtfKind::Int { size, .. }
                | BtfKind::Float { size }
                | BtfKind::Datasec { size, .. }
                | BtfKind::Struct(Composite { size, .. })
                | BtfKind::Union(Composite { size, .. })
                | BtfKind::Enum(EnumType { size, .. })
                | BtfKind::Enum64(EnumType { size, .. }) => *size,
                BtfKind::Ptr { .. } => 8,
                BtfKind::Array {
                    elem, n_elems: n, ..
                } => {
                    n_elems = n_elems.saturating_mul(*n as u64);
                    current = *elem;
                    continue;
                }
                BtfKind::Typedef { target }
                | BtfKind::Volatile { target }
                | BtfKind::Const { target }
                | BtfKind::Restrict { target }
                | BtfKind::TypeTag { target }
                | BtfKind::Var { target, .. } => {
                    current = *target;
                    continue;
                }
                BtfKind::Void
                | BtfKind::Fwd { .. }
                | BtfKind::Func { .. }
                | BtfKind::FuncProto { .. }
                | BtfKind::DeclTag { .. } => {
                    return Err(BtfError::NoSize {
                        type_id: current,
                        kind: ty.kind.name(),
                    })
                }
            };
            let total = n_elems.saturating_mul(size as u64);
            return u32::try_from(total).map_err(|_| BtfError::SizeOverflow { type_id });
        }
        Err(self.too_deep(type_id))
    }

    /// The type printed the way C declares it, without a declarator name: `__u32`,
    /// `struct rf_str`, `char[16]`, `const char *`, `int (*)(int, const char *)`.
    /// Anonymous structs print as `struct {...}`; type tags are left out.
    pub fn type_name(&self, type_id: TypeId) -> Result<String, BtfError> {
        self.type_by_id(type_id)?;
        Ok(print::type_name(self, type_id))
    }

    /// The layout of the first struct (not union) called `name`.
    pub fn find_struct(&self, name: &str) -> Option<StructLayout> {
        let (type_id, _) = self.types().find(|(_, ty)| {
            matches!(ty.kind, BtfKind::Struct(_))
                && self.string_bytes(ty.name_off) == Some(name.as_bytes())
        })?;
        self.struct_layout(type_id).ok()
    }

    /// The layout of a struct or union (through typedefs and modifiers).
    pub fn struct_layout(&self, type_id: TypeId) -> Result<StructLayout, BtfError> {
        let resolved = self.resolve(type_id)?;
        let ty = self.type_by_id(resolved)?;
        let (composite, is_union) = match &ty.kind {
            BtfKind::Struct(composite) => (composite, false),
            BtfKind::Union(composite) => (composite, true),
            other => {
                return Err(BtfError::InvalidType {
                    type_id,
                    offset: self.offsets[type_id.0 as usize],
                    reason: format!("a struct layout was asked of a {}", other.name()),
                })
            }
        };
        let mut members = Vec::with_capacity(composite.members.len());
        for member in &composite.members {
            let bitfield = self.bitfield(member);
            let (offset_bytes, size_bytes) = match bitfield {
                Some(field) => (
                    field.bit_offset / 8,
                    (field.bit_offset % 8 + field.bits).div_ceil(8),
                ),
                None => (member.bit_offset / 8, self.size_of(member.ty)?),
            };
            members.push(Member {
                name: self.name(member.name_off).into_owned(),
                offset_bytes,
                size_bytes,
                type_name: print::type_name(self, member.ty),
                type_id: member.ty,
                bitfield,
            });
        }
        Ok(StructLayout {
            name: self.name(ty.name_off).into_owned(),
            size: composite.size,
            is_union,
            members,
        })
    }

    /// Where a member's bits lie if it is a bitfield: recorded with the kind flag, or
    /// (the old encoding) with an INT member type narrower than its size or offset.
    fn bitfield(&self, member: &BtfMember) -> Option<Bitfield> {
        if member.bitfield_size != 0 {
            return Some(Bitfield {
                bit_offset: member.bit_offset,
                bits: member.bitfield_size as u32,
            });
        }
        let resolved = self.resolve(member.ty).ok()?;
        match self.types.get(resolved.0 as usize)?.kind {
            BtfKind::Int {
                size,
                bit_offset,
                n_bits,
                ..
            } if bit_offset != 0 || n_bits as u32 != size * 8 => Some(Bitfield {
                bit_offset: member.bit_offset.saturating_add(bit_offset as u32),
                bits: n_bits as u32,
            }),
            _ => None,
        }
    }

    /// The NUL-terminated string at `offset`, without its NUL.
    fn string_bytes(&self, offset: u32) -> Option<&[u8]> {
        let rest = self.strings.get(offset as usize..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(&rest[..end])
    }

    /// Fails unless `offset` lies in the string section; `referrer` says what it names.
    fn check_string(&self, offset: u32, referrer: impl FnOnce() -> String) -> Result<(), BtfError> {
        if (offset as usize) < self.strings.len() {
            Ok(())
        } else {
            Err(BtfError::BadString {
                string_offset: offset,
                referrer: referrer(),
                reason: "beyond the string section",
            })
        }
    }

    fn too_deep(&self, type_id: TypeId) -> BtfError {
        BtfError::TooDeep {
            type_id,
            offset: self.type_offset(type_id).unwrap_or(0),
            limit: MAX_DEPTH,
        }
    }
}
