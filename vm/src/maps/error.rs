//! Why a map operation failed, with the Linux errno a helper returns for it.

/// Linux's `EPERM`.
pub const EPERM: i64 = 1;
/// Linux's `ENOENT`.
pub const ENOENT: i64 = 2;
/// Linux's `E2BIG`.
pub const E2BIG: i64 = 7;
/// Linux's `EEXIST`.
pub const EEXIST: i64 = 17;
/// Linux's `EINVAL`.
pub const EINVAL: i64 = 22;

/// Why a lookup, update or delete failed. Cheap to create (no allocation), since helpers
/// create one on every failed call; the map's name is the caller's to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MapError {
    /// `BPF_EXIST` on a missing key, or deleting a missing key (`ENOENT`).
    #[error("no entry with this key")]
    NoEntry,
    /// `BPF_NOEXIST` on a key that is present, or on any array index (`EEXIST`).
    #[error("an entry with this key already exists")]
    Exists,
    /// An array index at or past `max_entries` (`E2BIG`).
    #[error("index {index} is out of range: the array has {max_entries} entries")]
    IndexOutOfRange { index: u32, max_entries: u32 },
    /// A new key in a hash map that holds `max_entries` entries already (`E2BIG`).
    #[error("the map is full: it holds its maximum of {max_entries} entries")]
    Full { max_entries: u32 },
    /// Flags other than `BPF_ANY`, `BPF_NOEXIST` and `BPF_EXIST` (`EINVAL`).
    #[error(
        "update flags {flags:#x} are invalid: use BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2)"
    )]
    InvalidFlags { flags: u64 },
    /// A key of the wrong size (`EINVAL`).
    #[error("the key has {found} bytes, but the map's keys have {expected}")]
    KeySize { expected: u32, found: usize },
    /// A value of the wrong size (`EINVAL`).
    #[error("the value has {found} bytes, but the map's values have {expected}")]
    ValueSize { expected: u32, found: usize },
    /// Deleting from an array, whose entries always exist (`EINVAL`).
    #[error("entries of an array cannot be deleted")]
    DeleteFromArray,
    /// Writing to a read-only map: `.rodata` from anywhere, or a `BPF_F_RDONLY_PROG` map
    /// from a program (`EPERM`).
    #[error("the map is read-only")]
    ReadOnly,
}

impl MapError {
    /// The helper return value for this error: Linux's negative errno (`-EEXIST` is -17).
    pub fn errno(&self) -> i64 {
        -match self {
            MapError::NoEntry => ENOENT,
            MapError::Exists => EEXIST,
            MapError::IndexOutOfRange { .. } | MapError::Full { .. } => E2BIG,
            MapError::InvalidFlags { .. }
            | MapError::KeySize { .. }
            | MapError::ValueSize { .. }
            | MapError::DeleteFromArray => EINVAL,
            MapError::ReadOnly => EPERM,
        }
    }
}
