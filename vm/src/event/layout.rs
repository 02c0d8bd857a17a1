//! The binary layout of an event context, derived from a schema by one function
//! ([`Layout::of_fields`]), and the comparison of two layouts ([`Layout::diff`]) that refuses a
//! rule compiled against another version of the event (the Channel File 291 check).
//!
//! The fixed part, which a rule's `r1` points to, is the C struct
//!
//! ```c
//! struct rf_<event> {
//!     __u64 data;      /* offset 0: host address of the data area's first byte */
//!     __u64 data_end;  /* offset 8: host address one past its last byte */
//!     /* the fields in schema order, each at the next multiple of its alignment */
//!     /* explicit __padN members fill every gap, and the tail up to a multiple of 8 */
//! };
//! ```
//!
//! Scalars are stored inline in little-endian order (the host's), addresses in network
//! order. A `Str` field is a `struct rf_str { __u32 off; __u32 len; }`: `len` bytes at
//! `data + off`, with no terminating NUL. A `StrList` field is a
//! `struct rf_str_list { __u32 off; __u32 len; __u32 count; }`: its `count` elements joined
//! by NUL bytes (no NUL after the last, no NUL inside an element), spanning `len` bytes at
//! `data + off`; the empty list has `count = 0`, the list holding one empty string
//! `count = 1`, both with `len = 0`.
#![forbid(unsafe_code)]

use std::fmt;

use super::schema::{Field, FieldKind};

/// The layout of an event type's fixed part. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The fixed part's size in bytes, a multiple of 8.
    pub size: u32,
    /// The fields in schema order (field id = index).
    pub fields: Vec<FieldLayout>,
    /// The offset of `__u64 data` (always 0).
    pub data_offset: u32,
    /// The offset of `__u64 data_end` (always 8).
    pub data_end_offset: u32,
    /// The largest data area an event of this type may have.
    pub max_data_len: u32,
}

/// Where one field lives in the fixed part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldLayout {
    pub name: String,
    /// The byte offset from the start of the context.
    pub offset: u32,
    /// The size in bytes (`kind.size()`).
    pub size: u32,
    pub kind: FieldKind,
}

/// One member of a struct as a layout comparison sees it: what BTF describes, or what
/// [`Layout::members`] lists for the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructMember {
    pub name: String,
    pub offset: u32,
    pub size: u32,
}

impl StructMember {
    /// A member.
    pub fn new(name: &str, offset: u32, size: u32) -> StructMember {
        StructMember {
            name: name.to_string(),
            offset,
            size,
        }
    }
}

/// One way a rule's view of an event differs from the host's. `expected` is the host's
/// layout (`self` in [`Layout::diff`]), `found` the rule's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutMismatch {
    /// The host has a field the rule's struct lacks.
    #[error("field `{name}` (offset {offset}, {size} bytes) is missing from the rule's struct")]
    Missing {
        name: String,
        offset: u32,
        size: u32,
    },
    /// The rule's struct has a field the host does not supply: reading it would read past
    /// what the host provides (Channel File 291).
    #[error(
        "field `{name}` (offset {offset}, {size} bytes) in the rule's struct is not supplied by the host"
    )]
    Extra {
        name: String,
        offset: u32,
        size: u32,
    },
    /// The field is at another offset.
    #[error(
        "field `{name}` is at offset {found} in the rule's struct but at {expected} in the host's"
    )]
    Moved {
        name: String,
        expected: u32,
        found: u32,
    },
    /// The field has another size.
    #[error("field `{name}` is {found} bytes in the rule's struct but {expected} in the host's")]
    Resized {
        name: String,
        expected: u32,
        found: u32,
    },
    /// The whole struct has another size.
    #[error("the rule's struct is {found} bytes but the host's is {expected}")]
    Size { expected: u32, found: u32 },
}

impl Layout {
    /// The layout of `fields`: `data` at 0, `data_end` at 8, then each field in order at the
    /// next multiple of its alignment; the size rounded up to a multiple of 8.
    pub fn of_fields(fields: &[Field], max_data_len: u32) -> Layout {
        let mut offset = 16u32;
        let fields = fields
            .iter()
            .map(|field| {
                let align = field.kind.align();
                offset = offset.next_multiple_of(align);
                let placed = FieldLayout {
                    name: field.name.clone(),
                    offset,
                    size: field.kind.size(),
                    kind: field.kind,
                };
                offset += field.kind.size();
                placed
            })
            .collect();
        Layout {
            size: offset.next_multiple_of(8),
            fields,
            data_offset: 0,
            data_end_offset: 8,
            max_data_len,
        }
    }

    /// The field with id `field_id`.
    #[inline]
    pub fn field(&self, field_id: u32) -> Option<&FieldLayout> {
        self.fields.get(field_id as usize)
    }

    /// The members as a struct description: `data`, `data_end`, then the fields (padding is
    /// not listed).
    pub fn members(&self) -> Vec<StructMember> {
        let mut members = vec![
            StructMember::new("data", self.data_offset, 8),
            StructMember::new("data_end", self.data_end_offset, 8),
        ];
        members.extend(
            self.fields
                .iter()
                .map(|field| StructMember::new(&field.name, field.offset, field.size)),
        );
        members
    }

    /// The gaps between members, and the tail, as `(offset, len)`: where the C header puts
    /// its `__padN` members.
    pub fn padding(&self) -> Vec<(u32, u32)> {
        let mut gaps = Vec::new();
        let mut end = 16;
        for field in &self.fields {
            if field.offset > end {
                gaps.push((end, field.offset - end));
            }
            end = field.offset + field.size;
        }
        if self.size > end {
            gaps.push((end, self.size - end));
        }
        gaps
    }

    /// How `other` (a rule's view) differs from this layout (the host's); empty when they
    /// agree. See [`Layout::diff_struct`].
    pub fn diff(&self, other: &Layout) -> Vec<LayoutMismatch> {
        self.diff_struct(other.size, &other.members())
    }

    /// How a struct of `size` bytes with `members` (a rule's view, e.g. from BTF) differs from
    /// this layout: fields missing, extra, moved or resized, matched by name, in the host's
    /// field order then the rule's; then the struct size. Members whose names start with
    /// `__pad` are ignored.
    ///
    /// Every mismatch is reported; which ones a loader tolerates is its policy (a rule
    /// compiled against an older schema that lacks trailing fields is `Missing` + `Size`
    /// only, and never reads what the host lacks; `Extra`, `Moved` and `Resized` are never
    /// safe).
    pub fn diff_struct(&self, size: u32, members: &[StructMember]) -> Vec<LayoutMismatch> {
        let members: Vec<&StructMember> = members
            .iter()
            .filter(|member| !member.name.starts_with("__pad"))
            .collect();
        let host = self.members();
        let mut mismatches = Vec::new();
        for expected in &host {
            match members.iter().find(|member| member.name == expected.name) {
                None => mismatches.push(LayoutMismatch::Missing {
                    name: expected.name.clone(),
                    offset: expected.offset,
                    size: expected.size,
                }),
                Some(found) => {
                    if found.offset != expected.offset {
                        mismatches.push(LayoutMismatch::Moved {
                            name: expected.name.clone(),
                            expected: expected.offset,
                            found: found.offset,
                        });
                    }
                    if found.size != expected.size {
                        mismatches.push(LayoutMismatch::Resized {
                            name: expected.name.clone(),
                            expected: expected.size,
                            found: found.size,
                        });
                    }
                }
            }
        }
        for found in &members {
            if !host.iter().any(|member| member.name == found.name) {
                mismatches.push(LayoutMismatch::Extra {
                    name: found.name.clone(),
                    offset: found.offset,
                    size: found.size,
                });
            }
        }
        if size != self.size {
            mismatches.push(LayoutMismatch::Size {
                expected: self.size,
                found: size,
            });
        }
        mismatches
    }
}

impl fmt::Display for Layout {
    /// One line per member: `offset size name kind`, then the size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>6} {:>4} data", self.data_offset, 8)?;
        writeln!(f, "{:>6} {:>4} data_end", self.data_end_offset, 8)?;
        for field in &self.fields {
            writeln!(
                f,
                "{:>6} {:>4} {} {}",
                field.offset, field.size, field.name, field.kind
            )?;
        }
        write!(f, "size {}", self.size)
    }
}
