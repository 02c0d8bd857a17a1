//! Map definitions: the type, key and value sizes, capacity and flags of a map, as libbpf
//! declares them, and their validation, whose errors name the map and the field.

use std::fmt;

/// Linux's number for `BPF_MAP_TYPE_HASH`.
pub const BPF_MAP_TYPE_HASH: u32 = 1;
/// Linux's number for `BPF_MAP_TYPE_ARRAY`.
pub const BPF_MAP_TYPE_ARRAY: u32 = 2;

/// `BPF_F_NO_PREALLOC`: accepted for hash maps and ignored, since ringfence always
/// preallocates (the slots must stay valid while programs hold pointers into them).
pub const BPF_F_NO_PREALLOC: u32 = 1 << 0;
/// `BPF_F_RDONLY_PROG`: programs may read the values but not write them, nor call
/// `map_update_elem` or `map_delete_elem` on the map.
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_MMAPABLE`: accepted for arrays and ignored (the values are host memory already).
pub const BPF_F_MMAPABLE: u32 = 1 << 10;

/// The largest key of a hash map: programs build keys on their 512-byte stack (Linux's
/// `MAX_BPF_STACK` limit).
pub const MAX_KEY_SIZE: u32 = 512;
/// The most memory one map may take for its keys, values and index, padding included: 64 MiB.
pub const MAX_MAP_BYTES: u64 = 64 << 20;

/// The kinds of map ringfence implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapType {
    /// `BPF_MAP_TYPE_ARRAY`: `max_entries` values indexed by a `u32` key, all present from
    /// the start (zeroed), never deleted.
    Array,
    /// `BPF_MAP_TYPE_HASH`: up to `max_entries` entries keyed by `key_size` bytes.
    Hash,
    /// A `.rodata`, `.data` or `.bss` section, as libbpf makes it: an array of one entry whose
    /// value is the whole section. A read-only one (`.rodata`) may be neither written by
    /// programs nor updated from the host once built.
    GlobalData { read_only: bool },
}

impl MapType {
    /// The map type Linux numbers `number`, if ringfence supports it.
    pub fn from_linux(number: u32) -> Option<MapType> {
        match number {
            BPF_MAP_TYPE_HASH => Some(MapType::Hash),
            BPF_MAP_TYPE_ARRAY => Some(MapType::Array),
            _ => None,
        }
    }

    /// Whether values are indexed by a `u32` key (arrays and global data).
    pub fn is_array(self) -> bool {
        !matches!(self, MapType::Hash)
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MapType::Array => "array",
            MapType::Hash => "hash",
            MapType::GlobalData { read_only: true } => "read-only global data",
            MapType::GlobalData { read_only: false } => "global data",
        })
    }
}

/// The name Linux gives map type `number` (`enum bpf_map_type`, lower case, without the
/// `BPF_MAP_TYPE_` prefix), or `"unknown"`.
pub fn linux_map_type_name(number: u32) -> &'static str {
    const NAMES: [&str; 35] = [
        "unspec",
        "hash",
        "array",
        "prog_array",
        "perf_event_array",
        "percpu_hash",
        "percpu_array",
        "stack_trace",
        "cgroup_array",
        "lru_hash",
        "lru_percpu_hash",
        "lpm_trie",
        "array_of_maps",
        "hash_of_maps",
        "devmap",
        "sockmap",
        "cpumap",
        "xskmap",
        "sockhash",
        "cgroup_storage",
        "reuseport_sockarray",
        "percpu_cgroup_storage",
        "queue",
        "stack",
        "sk_storage",
        "devmap_hash",
        "struct_ops",
        "ringbuf",
        "inode_storage",
        "task_storage",
        "bloom_filter",
        "user_ringbuf",
        "cgrp_storage",
        "arena",
        "insn_array",
    ];
    NAMES.get(number as usize).copied().unwrap_or("unknown")
}

/// The definition of a map: what `struct bpf_map_def` (or a BTF map definition) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapDef {
    pub map_type: MapType,
    /// The key size in bytes: 4 for arrays and global data.
    pub key_size: u32,
    /// The value size in bytes; for global data, the section's size (which may be 0).
    pub value_size: u32,
    /// The capacity: the number of values of an array, the most entries of a hash map; 1
    /// for global data.
    pub max_entries: u32,
    /// `BPF_F_*` flags: [`BPF_F_RDONLY_PROG`] for every type, [`BPF_F_NO_PREALLOC`] for hash
    /// maps, [`BPF_F_MMAPABLE`] for arrays.
    pub flags: u32,
}

/// A field of a [`MapDef`], for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapField {
    KeySize,
    ValueSize,
    MaxEntries,
    Flags,
}

impl fmt::Display for MapField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MapField::KeySize => "key_size",
            MapField::ValueSize => "value_size",
            MapField::MaxEntries => "max_entries",
            MapField::Flags => "map_flags",
        })
    }
}

/// Why a map cannot be created; each error names the map.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapDefError {
    /// A map type ringfence does not implement.
    #[error(
        "map `{map}`: map type {number} ({name}) is not supported; ringfence supports hash \
         and array"
    )]
    UnsupportedType {
        map: String,
        number: u32,
        name: &'static str,
    },
    /// A field with a value the map type does not allow.
    #[error("map `{map}` ({map_type}): {field} is {value}, but {requirement}")]
    BadField {
        map: String,
        map_type: MapType,
        field: MapField,
        value: u64,
        requirement: &'static str,
    },
    /// Flags ringfence does not implement for this map type.
    #[error(
        "map `{map}` ({map_type}): map_flags {flags:#x} include {unsupported:#x}, which \
         ringfence does not support for this map type (supported: {supported})"
    )]
    UnsupportedFlags {
        map: String,
        map_type: MapType,
        flags: u32,
        unsupported: u32,
        supported: &'static str,
    },
    /// The keys and values would take more memory than one map may.
    #[error(
        "map `{map}` ({map_type}): {max_entries} entries of {key_size}-byte keys and \
         {value_size}-byte values take {bytes} bytes with padding (and a hash map's index), \
         more than the limit of {limit} bytes (64 MiB)",
        limit = MAX_MAP_BYTES
    )]
    TooLarge {
        map: String,
        map_type: MapType,
        key_size: u64,
        value_size: u64,
        max_entries: u64,
        bytes: u128,
    },
    /// A map declared in the BTF `.maps` section, whose definition must be read from BTF
    /// first.
    #[error(
        "map `{map}` is declared in the .maps section: its definition must be read from the \
         object's BTF (use `Maps::from_symbols_with` with a BTF reader)"
    )]
    NeedsBtf { map: String },
}

impl MapDef {
    /// An array of `max_entries` values of `value_size` bytes.
    pub fn array(value_size: u32, max_entries: u32) -> MapDef {
        MapDef {
            map_type: MapType::Array,
            key_size: 4,
            value_size,
            max_entries,
            flags: 0,
        }
    }

    /// A hash map of up to `max_entries` entries.
    pub fn hash(key_size: u32, value_size: u32, max_entries: u32) -> MapDef {
        MapDef {
            map_type: MapType::Hash,
            key_size,
            value_size,
            max_entries,
            flags: 0,
        }
    }

    /// The map of a global-data section of `size` bytes.
    pub fn global_data(read_only: bool, size: u32) -> MapDef {
        MapDef {
            map_type: MapType::GlobalData { read_only },
            key_size: 4,
            value_size: size,
            max_entries: 1,
            flags: if read_only { BPF_F_RDONLY_PROG } else { 0 },
        }
    }

    /// The definition of map `name` from Linux's fields (`struct bpf_map_def`), validated.
    pub fn from_linux(
        name: &str,
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        flags: u32,
    ) -> Result<MapDef, MapDefError> {
        let Some(map_type) = MapType::from_linux(map_type) else {
            return Err(MapDefError::UnsupportedType {
                map: name.to_string(),
                number: map_type,
                name: linux_map_type_name(map_type),
            });
        };
        let def = MapDef {
            map_type,
            key_size,
            value_size,
            max_entries,
            flags,
        };
        def.validate(name)?;
        Ok(def)
    }

    /// Whether programs may write the values (no [`BPF_F_RDONLY_PROG`], not `.rodata`).
    pub fn writable_by_programs(&self) -> bool {
        self.flags & BPF_F_RDONLY_PROG == 0
            && !matches!(self.map_type, MapType::GlobalData { read_only: true })
    }

    /// The bytes between the starts of consecutive values: the value size rounded up to 8
    /// (at least 8), so that every value is 8-byte aligned, as in Linux's arrays.
    pub fn value_stride(&self) -> u64 {
        stride(self.value_size)
    }

    /// Checks the definition of map `name`.
    pub fn validate(&self, name: &str) -> Result<(), MapDefError> {
        let bad = |field, value: u32, requirement| MapDefError::BadField {
            map: name.to_string(),
            map_type: self.map_type,
            field,
            value: value as u64,
            requirement,
        };
        let (supported_flags, supported) = match self.map_type {
            MapType::Array => (
                BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
                "BPF_F_RDONLY_PROG, BPF_F_MMAPABLE",
            ),
            MapType::Hash => (
                BPF_F_RDONLY_PROG | BPF_F_NO_PREALLOC,
                "BPF_F_RDONLY_PROG, BPF_F_NO_PREALLOC",
            ),
            MapType::GlobalData { .. } => (BPF_F_RDONLY_PROG, "BPF_F_RDONLY_PROG"),
        };
        match self.map_type {
            MapType::Array | MapType::GlobalData { .. } if self.key_size != 4 => {
                return Err(bad(
                    MapField::KeySize,
                    self.key_size,
                    "an array's key is a 4-byte index",
                ));
            }
            MapType::Hash if self.key_size == 0 => {
                return Err(bad(
                    MapField::KeySize,
                    0,
                    "a hash map's key must not be empty",
                ));
            }
            MapType::Hash if self.key_size > MAX_KEY_SIZE => {
                return Err(bad(
                    MapField::KeySize,
                    self.key_size,
                    "keys are built on the stack, so they may not exceed 512 bytes",
                ));
            }
            _ => {}
        }
        match self.map_type {
            MapType::Array | MapType::Hash if self.value_size == 0 => {
                return Err(bad(MapField::ValueSize, 0, "it must be at least 1"));
            }
            MapType::GlobalData { .. } if self.max_entries != 1 => {
                return Err(bad(
                    MapField::MaxEntries,
                    self.max_entries,
                    "a global-data map has exactly 1 entry",
                ));
            }
            _ if self.max_entries == 0 => {
                return Err(bad(MapField::MaxEntries, 0, "it must be at least 1"));
            }
            _ => {}
        }
        let unsupported = self.flags & !supported_flags;
        if unsupported != 0 {
            return Err(MapDefError::UnsupportedFlags {
                map: name.to_string(),
                map_type: self.map_type,
                flags: self.flags,
                unsupported,
                supported,
            });
        }
        let per_entry = match self.map_type {
            MapType::Hash => stride(self.key_size) + super::hash::INDEX_BYTES_PER_ENTRY,
            _ => 0,
        } + self.value_stride();
        let bytes = self.max_entries as u128 * per_entry as u128;
        if bytes > MAX_MAP_BYTES as u128 {
            return Err(MapDefError::TooLarge {
                map: name.to_string(),
                map_type: self.map_type,
                key_size: self.key_size as u64,
                value_size: self.value_size as u64,
                max_entries: self.max_entries as u64,
                bytes,
            });
        }
        Ok(())
    }
}

/// `size` rounded up to a multiple of 8, at least 8.
pub(crate) fn stride(size: u32) -> u64 {
    (size as u64).div_ceil(8).max(1) * 8
}
