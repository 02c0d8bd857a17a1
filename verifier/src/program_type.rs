//! Program types: what `r1` (and `r2`) hold at entry, the layout of the context, which
//! helpers a program may call with which argument kinds, and the range `r0` must be in at
//! exit.
//!
//! A program type is plain data, built with a small Rust API: [`ProgramType::mem`] is the
//! bpf_conformance convention (a buffer and its length); [`ProgramType::with_context`]
//! declares a context struct whose fields are read-only or writable scalars, or the
//! `data`/`data_end` pair bounding a variable data area (as XDP does for packets).

use std::collections::BTreeMap;

/// A program type. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramType {
    /// A short name for diagnostics (`mem`, `process_exec`, ...).
    pub name: String,
    /// What `r1` points to at entry.
    pub context: Context,
    /// The helpers the program may call, by number.
    pub helpers: BTreeMap<i32, HelperSig>,
    /// The values `r0` may hold when the program exits.
    pub return_range: ReturnRange,
}

/// What a program receives at entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// `r1` points to a readable, writable buffer of exactly `len` bytes; `r2` holds `len`.
    Mem {
        /// The buffer's length in bytes.
        len: u64,
    },
    /// `r1` points to a context struct.
    Struct(ContextLayout),
}

/// The layout of a context struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextLayout {
    /// The struct's size in bytes.
    pub size: u32,
    /// Its fields; accesses must fall within one field.
    pub fields: Vec<Field>,
    /// The largest possible length of the variable data area that the `data` and
    /// `data_end` fields bound (0 when there is none).
    pub max_data_len: u32,
}

/// One field of a context struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its name, for diagnostics.
    pub name: String,
    /// Byte offset from the start of the context.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// What a program may do with it.
    pub access: Access,
    /// What a load of it yields.
    pub kind: FieldKind,
}

impl Field {
    /// The bytes of the context it covers.
    pub fn bytes(&self) -> std::ops::Range<u64> {
        self.offset as u64..self.offset as u64 + self.size as u64
    }

    /// Whether it covers some of `bytes`.
    pub fn overlaps(&self, bytes: &std::ops::Range<u64>) -> bool {
        let own = self.bytes();
        own.start < bytes.end && bytes.start < own.end
    }
}

/// The permission on a context field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Loads only.
    Read,
    /// Loads and stores.
    ReadWrite,
}

/// What a context field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A plain number (loads of any part of it give a scalar).
    Scalar,
    /// A number the host guarantees is at most `max` (a load of the whole field gives a scalar
    /// in `[0, max]`; a load of part of it, any scalar of that size). Offsets and lengths into
    /// the data area are such fields: the event encoder never writes one above the data
    /// area's largest length, so a rule may add them to `data` without a comparison first.
    Bounded {
        /// The largest value the field holds.
        max: u64,
    },
    /// A pointer to the start of the variable data area (8-byte loads only).
    Data,
    /// A pointer just past the end of the variable data area (8-byte loads only).
    DataEnd,
}

/// The range of `r0` at exit, unsigned and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReturnRange {
    /// The least value allowed.
    pub min: u64,
    /// The greatest value allowed.
    pub max: u64,
}

impl ReturnRange {
    /// Every 64-bit value.
    pub const ANY: ReturnRange = ReturnRange {
        min: 0,
        max: u64::MAX,
    };
}

/// A helper's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperSig {
    /// Its name, for diagnostics.
    pub name: String,
    /// The kinds of `r1`, `r2`, ... in order (at most five).
    pub args: Vec<ArgKind>,
    /// What `r0` holds after the call.
    pub ret: RetKind,
}

impl HelperSig {
    /// A signature.
    pub fn new(name: &str, args: &[ArgKind], ret: RetKind) -> HelperSig {
        HelperSig {
            name: name.to_string(),
            args: args.to_vec(),
            ret,
        }
    }

    /// The first argument (1 for `r1`) that makes the signature unusable, and why: more
    /// than five arguments, or memory (read, written) not followed by its size.
    pub fn malformed(&self) -> Option<(u8, &'static str)> {
        if self.args.len() > 5 {
            return Some((6, "a helper takes at most five arguments (r1-r5)"));
        }
        self.args.iter().enumerate().find_map(|(i, kind)| {
            let sized = matches!(kind, ArgKind::MemRead | ArgKind::MemWrite);
            (sized && self.args.get(i + 1) != Some(&ArgKind::Size)).then_some((
                i as u8 + 1,
                "memory passed to a helper must be followed by its size in the signature",
            ))
        })
    }
}

/// The kind of one helper argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// An initialised scalar.
    Scalar,
    /// A pointer to readable, initialised memory whose size is the next argument (which must
    /// be [`ArgKind::Size`]).
    MemRead,
    /// A pointer to writable memory whose size is the next argument (which must be
    /// [`ArgKind::Size`]); the helper may write all of it.
    MemWrite,
    /// The size of the memory passed in the previous argument: a bounded scalar.
    Size,
    /// The program's context pointer (`r1` at entry), unmodified.
    Context,
    /// A map reference (`r1 = map_fd(N) ll`).
    Map,
    /// A pointer to readable memory of the key size of the map passed earlier.
    MapKey,
    /// A pointer to readable memory of the value size of the map passed earlier.
    MapValue,
    /// Any initialised value that is not a pointer into the program's stack.
    Anything,
    /// A constant from a set of small numbers: bit `n` of `allowed` set means `n` may be
    /// passed (for instance the ids of the event's string fields).
    OneOf {
        /// The allowed values, as a bit set.
        allowed: u64,
    },
}

/// What a helper returns in `r0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetKind {
    /// An unknown scalar.
    Scalar,
    /// Either 0 or a pointer to a value of the map passed as an argument: the program must
    /// check it against 0 before using it.
    NullableMapValue,
}

impl ProgramType {
    /// The bpf_conformance convention: `r1` points to a readable and writable buffer of
    /// exactly `len` bytes, `r2` holds `len`; any `r0`; no helpers until registered.
    pub fn mem(len: u64) -> ProgramType {
        ProgramType {
            name: "mem".to_string(),
            context: Context::Mem { len },
            helpers: BTreeMap::new(),
            return_range: ReturnRange::ANY,
        }
    }

    /// A program type whose `r1` points to a context struct laid out as `layout`.
    pub fn with_context(name: &str, layout: ContextLayout, return_range: ReturnRange) -> Self {
        ProgramType {
            name: name.to_string(),
            context: Context::Struct(layout),
            helpers: BTreeMap::new(),
            return_range,
        }
    }

    /// Registers helper number `id`.
    pub fn with_helper(mut self, id: i32, sig: HelperSig) -> ProgramType {
        self.helpers.insert(id, sig);
        self
    }

    /// The signature of helper `id`, if the type offers it.
    pub fn helper(&self, id: i64) -> Option<&HelperSig> {
        i32::try_from(id).ok().and_then(|id| self.helpers.get(&id))
    }
}

impl ContextLayout {
    /// A layout of `size` bytes with no fields yet.
    pub fn new(size: u32) -> ContextLayout {
        ContextLayout {
            size,
            fields: Vec::new(),
            max_data_len: 0,
        }
    }

    /// Adds a scalar field.
    pub fn field(mut self, name: &str, offset: u32, size: u32, access: Access) -> Self {
        self.fields.push(Field {
            name: name.to_string(),
            offset,
            size,
            access,
            kind: FieldKind::Scalar,
        });
        self
    }

    /// Adds a read-only field whose value the host guarantees is at most `max`.
    pub fn bounded_field(mut self, name: &str, offset: u32, size: u32, max: u64) -> Self {
        self.fields.push(Field {
            name: name.to_string(),
            offset,
            size,
            access: Access::Read,
            kind: FieldKind::Bounded { max },
        });
        self
    }

    /// Adds the `data` and `data_end` pair (8-byte, read-only) bounding a data area of at
    /// most `max_len` bytes.
    pub fn data_area(mut self, data_offset: u32, data_end_offset: u32, max_len: u32) -> Self {
        for (name, offset, kind) in [
            ("data", data_offset, FieldKind::Data),
            ("data_end", data_end_offset, FieldKind::DataEnd),
        ] {
            self.fields.push(Field {
                name: name.to_string(),
                offset,
                size: 8,
                access: Access::Read,
                kind,
            });
        }
        self.max_data_len = max_len;
        self
    }

    /// What makes the layout unusable, if anything: a field empty or past the end, two
    /// fields that overlap (an access would fall in both), `data` without `data_end` or either
    /// twice or not 8 bytes (the host sets one pair; the analysis would trust the others), a
    /// bounded field of another size than 1, 2, 4 or 8 bytes.
    pub fn problem(&self) -> Option<String> {
        for (i, f) in self.fields.iter().enumerate() {
            let bytes = f.bytes();
            if bytes.is_empty() || bytes.end > self.size as u64 {
                return Some(format!(
                    "field {} (bytes {} to {}) is empty or past the context's {} bytes",
                    f.name, bytes.start, bytes.end, self.size
                ));
            }
            if let Some(g) = self.fields[..i].iter().find(|g| f.overlaps(&g.bytes())) {
                return Some(format!("fields {} and {} overlap", g.name, f.name));
            }
            if matches!(f.kind, FieldKind::Data | FieldKind::DataEnd) && f.size != 8 {
                return Some(format!(
                    "field {} is a data pointer of {} bytes, not 8",
                    f.name, f.size
                ));
            }
            if matches!(f.kind, FieldKind::Bounded { .. }) && ![1, 2, 4, 8].contains(&f.size) {
                return Some(format!(
                    "bounded field {} is {} bytes, not 1, 2, 4 or 8",
                    f.name, f.size
                ));
            }
        }
        let count = |kind: FieldKind| self.fields.iter().filter(|f| f.kind == kind).count();
        match (count(FieldKind::Data), count(FieldKind::DataEnd)) {
            (0, 0) | (1, 1) => None,
            (data, data_end) => Some(format!(
                "{data} data and {data_end} data_end fields (a layout has one of each, or none)"
            )),
        }
    }

    /// The field containing bytes `lo..hi`, if one does.
    pub fn field_at(&self, lo: u64, hi: u64) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| lo >= f.bytes().start && hi <= f.bytes().end)
    }
}
