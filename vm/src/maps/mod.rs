//! BPF maps with Linux's semantics: arrays, hash maps and global data (`.rodata`, `.data`,
//! `.bss`), shared by every thread that runs programs, and the helpers that reach them
//! (`map_lookup_elem`, `map_update_elem`, `map_delete_elem`).
//!
//! Module map:
//! - [`def`]: [`MapDef`] and [`MapType`], validated into [`MapDefError`]s naming map and field;
//! - [`error`]: [`MapError`], why an operation failed, and its errno ([`MapError::errno`]);
//! - [`helpers`]: helpers 1 to 3 as plain functions over a [`Map`];
//! - `hash`: the sharded key index of hash maps;
//! - `slab`: the fixed word buffers behind keys and values, the only module with `unsafe`.
//!
//! # Memory layout
//!
//! Every map preallocates all its values at creation, as Linux's arrays and preallocated hash
//! maps do: one *value slab* of `max_entries` slots, each `value_size` rounded up to 8 bytes
//! (its *stride*), 8-byte aligned, zeroed. Slot `i` of an array (or global data) is index
//! `i`; a hash map also has a key slab with the same slot numbering, a stack of free slots,
//! and a sharded index from key to slot (see `hash`). The slab is a `Box<[AtomicU64]>` that
//! is never moved, grown or freed while the [`Map`] lives.
//!
//! # What a program may rely on
//!
//! [`Map::lookup`] returns the address of the value's slot. That address is valid memory for
//! as long as the map lives, whatever other threads do; engines keep an `Arc<Map>` (see
//! [`Maps`]) for the whole run. What it does not promise is the same as in Linux:
//! - updating an existing key copies the new value *in place* (as Linux's arrays do), so a
//!   program reading the value meanwhile may see old and new bytes mixed (each aligned 8-byte
//!   word is old or new as a whole as far as the host's copy goes);
//! - deleting a key frees its slot at once and the value bytes stay as they were; a program
//!   still holding the old address then reads, and writes, whatever key reuses the slot next
//!   (Linux's preallocated hash maps behave the same).
//!
//! # Soundness
//!
//! Programs (interpreted or JIT-compiled) read and write values through raw addresses while
//! other threads look up, update and delete. In Rust terms:
//! 1. Every host-side access to key and value bytes ([`Map::get`], [`Map::update`],
//!    [`Map::entries`], key comparisons) is a relaxed atomic operation on the slab's words,
//!    so no Rust code here takes part in a non-atomic data race, whatever else runs. The
//!    shard locks and the free-stack mutex order a new entry's key and value writes before
//!    any lookup that finds it.
//! 2. The address handed to programs is derived from the whole slab (`as_ptr` of the boxed
//!    slice), which grants provenance over every slot and, the words being atomics (interior
//!    mutability), permission to write through a pointer obtained from `&self`.
//! 3. JIT-compiled code is machine code, outside the Rust abstract machine: on x86-64 and
//!    aarch64 an aligned access of up to 8 bytes is single-copy atomic and a misaligned one
//!    may tear, never fault. The checked interpreter, which is Rust, must not make a `&[u8]`
//!    or `&mut [u8]` of the slab (each asserts that nobody else writes); it reads and writes
//!    through [`Map::value_bytes`] (`&[AtomicU8]`) or [`Map::value_words`] instead.
//! 4. The gap that remains: Rust's (like C++'s) memory model does not define racing atomic
//!    accesses of *different sizes* to the same bytes (a program's 4-byte store racing the
//!    host's 8-byte load). BPF requires mixed-width accesses to one value, and Linux relies on
//!    the hardware for them just the same; every target ringfence supports performs them as
//!    plain loads and stores. We accept that, as Wasmtime does for shared memories.
#![deny(unsafe_code)]

pub mod def;
pub mod error;
mod hash;
pub mod helpers;
mod slab;
mod verified;

use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicU8};
use std::sync::Arc;

use crate::elf::{MapSymbol, MapSymbolKind};
use crate::memory::{Region, RegionKind};

pub use def::{MapDef, MapDefError, MapField, MapType};
pub use error::MapError;
pub use helpers::{helper_delete, helper_lookup, helper_update};
pub(crate) use verified::MapValueReturns;
pub use verified::{check_maps, MapsMismatch};

use hash::HashIndex;
use slab::Slab;

/// `BPF_ANY`: create the entry or update it.
pub const BPF_ANY: u64 = 0;
/// `BPF_NOEXIST`: create the entry; fail with `EEXIST` if it exists.
pub const BPF_NOEXIST: u64 = 1;
/// `BPF_EXIST`: update the entry; fail with `ENOENT` if it does not exist.
pub const BPF_EXIST: u64 = 2;

/// One map: `Send + Sync`, used from many threads at once through `&self`.
pub struct Map {
    name: String,
    def: MapDef,
    /// 8-byte words per value slot.
    value_words: usize,
    values: Slab,
    /// The key index, for hash maps.
    hash: Option<HashIndex>,
}

/// Where a map's values live, for the checked interpreter's region checks: the whole value
/// slab, `len` bytes from `base`, one value every `stride` bytes, each `value_size` long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValueRegion {
    pub base: u64,
    pub len: u64,
    /// Whether programs may write the values.
    pub writable: bool,
    pub value_size: u64,
    pub stride: u64,
}

impl ValueRegion {
    /// Whether `[addr, addr + size)` lies inside one value, not in the padding after it nor
    /// across two: the check the checked interpreter can add to the slab-wide region check.
    pub fn contains_value_access(&self, addr: u64, size: u64) -> bool {
        let offset = addr.wrapping_sub(self.base);
        addr >= self.base
            && offset < self.len
            && (offset % self.stride)
                .checked_add(size)
                .is_some_and(|end| end <= self.value_size)
    }

    /// The slab as a [`Region`] of the given kind.
    pub fn region(&self, kind: RegionKind) -> Region {
        Region {
            kind,
            base: self.base,
            len: self.len,
            writable: self.writable,
        }
    }
}

impl Map {
    /// A new, empty map named `name` (arrays start with every value zeroed).
    pub fn new(name: impl Into<String>, def: MapDef) -> Result<Map, MapDefError> {
        let name = name.into();
        def.validate(&name)?;
        let value_words = def.value_stride() as usize / 8;
        let hash = match def.map_type {
            MapType::Hash => Some(HashIndex::new(def.key_size, def.max_entries)),
            MapType::Array | MapType::GlobalData { .. } => None,
        };
        Ok(Map {
            name,
            value_words,
            values: Slab::zeroed(value_words * def.max_entries as usize),
            def,
            hash,
        })
    }

    /// The map of a global-data section named `name`, holding `bytes`; read-only for
    /// `.rodata`.
    pub fn global_data(
        name: impl Into<String>,
        read_only: bool,
        bytes: &[u8],
    ) -> Result<Map, MapDefError> {
        let name = name.into();
        let size = u32::try_from(bytes.len()).map_err(|_| MapDefError::TooLarge {
            map: name.clone(),
            map_type: MapType::GlobalData { read_only },
            key_size: 4,
            value_size: bytes.len() as u64,
            max_entries: 1,
            bytes: bytes.len() as u128,
        })?;
        let map = Map::new(name, MapDef::global_data(read_only, size))?;
        map.values.write(0, bytes);
        Ok(map)
    }

    /// The map's name (the symbol or section name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The map's definition.
    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// The address of the value of `key`, or `None` if there is none (or `key` has the wrong
    /// size). The address stays valid memory for the map's lifetime; see the module doc for
    /// what racing deletes and updates mean for it.
    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<NonNull<u8>> {
        let slot = match &self.hash {
            Some(hash) if key.len() == self.def.key_size as usize => hash.find(key)?,
            Some(_) => return None,
            None => self.array_index(key).ok()?,
        };
        NonNull::new(self.values.base().wrapping_add(self.value_offset(slot)))
    }

    /// Sets the value of `key` under `flags`: [`BPF_ANY`], [`BPF_NOEXIST`] or [`BPF_EXIST`].
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        if flags > BPF_EXIST {
            return Err(MapError::InvalidFlags { flags });
        }
        self.check_key(key)?;
        if value.len() != self.def.value_size as usize {
            return Err(MapError::ValueSize {
                expected: self.def.value_size,
                found: value.len(),
            });
        }
        if matches!(self.def.map_type, MapType::GlobalData { read_only: true }) {
            return Err(MapError::ReadOnly);
        }
        match &self.hash {
            Some(hash) => hash.upsert(key, flags, |slot| self.write_value(slot, value)),
            None => {
                let slot = self.array_index(key)?;
                if flags == BPF_NOEXIST {
                    return Err(MapError::Exists);
                }
                self.write_value(slot, value);
                Ok(())
            }
        }
    }

    /// Deletes the entry of `key`: `EINVAL` for arrays, `ENOENT` when a hash map has none.
    pub fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        self.check_key(key)?;
        match &self.hash {
            Some(hash) => hash.remove(key),
            None => Err(MapError::DeleteFromArray),
        }
    }

    /// A copy of the value of `key`, if there is one.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let slot = match &self.hash {
            Some(hash) if key.len() == self.def.key_size as usize => {
                // Copy under the shard's lock, so that the slot cannot change hands meanwhile.
                return hash.with_slot(key, |slot| self.read_value(slot));
            }
            Some(_) => return None,
            None => self.array_index(key).ok()?,
        };
        Some(self.read_value(slot))
    }

    /// A snapshot of every entry as (key, value): for arrays every index in order, for hash
    /// maps in no particular order. Each hash shard is copied atomically with respect to
    /// updates, but not the map as a whole.
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        match &self.hash {
            Some(hash) => {
                let mut entries = Vec::with_capacity(hash.len());
                hash.for_each(|key, slot| {
                    entries.push((key, self.read_value(slot)));
                });
                entries
            }
            None => (0..self.def.max_entries)
                .map(|index| (index.to_le_bytes().to_vec(), self.read_value(index)))
                .collect(),
        }
    }

    /// The number of entries: `max_entries` for arrays (whose entries always exist).
    pub fn len(&self) -> usize {
        match &self.hash {
            Some(hash) => hash.len(),
            None => self.def.max_entries as usize,
        }
    }

    /// Whether the map has no entries (only ever true of hash maps).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the values live, for region checks.
    pub fn value_region(&self) -> ValueRegion {
        ValueRegion {
            base: self.values.base() as u64,
            len: self.values.len_bytes() as u64,
            writable: self.def.writable_by_programs(),
            value_size: self.def.value_size as u64,
            stride: self.def.value_stride(),
        }
    }

    /// The value slab as atomic bytes: what the checked interpreter reads and writes
    /// (index = address - [`ValueRegion::base`]).
    pub fn value_bytes(&self) -> &[AtomicU8] {
        self.values.bytes()
    }

    /// The value slab as atomic 8-byte words, for aligned 8-byte accesses and atomic
    /// instructions (index = (address - base) / 8).
    pub fn value_words(&self) -> &[AtomicU64] {
        self.values.words()
    }

    /// The slot an array key names: `EINVAL` for a key that is not 4 bytes, `E2BIG` past the
    /// end.
    fn array_index(&self, key: &[u8]) -> Result<u32, MapError> {
        let bytes: [u8; 4] = key.try_into().map_err(|_| MapError::KeySize {
            expected: 4,
            found: key.len(),
        })?;
        let index = u32::from_le_bytes(bytes);
        if index >= self.def.max_entries {
            return Err(MapError::IndexOutOfRange {
                index,
                max_entries: self.def.max_entries,
            });
        }
        Ok(index)
    }

    fn check_key(&self, key: &[u8]) -> Result<(), MapError> {
        if key.len() != self.def.key_size as usize {
            return Err(MapError::KeySize {
                expected: self.def.key_size,
                found: key.len(),
            });
        }
        Ok(())
    }

    fn value_offset(&self, slot: u32) -> usize {
        slot as usize * self.value_words * 8
    }

    fn read_value(&self, slot: u32) -> Vec<u8> {
        let mut value = vec![0; self.def.value_size as usize];
        self.values
            .read(slot as usize * self.value_words, &mut value);
        value
    }

    fn write_value(&self, slot: u32, value: &[u8]) {
        self.values.write(slot as usize * self.value_words, value);
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("name", &self.name)
            .field("def", &self.def)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// The maps of an object, indexed as the ELF loader indexes them ([`crate::Object::maps`]):
/// declared maps first, then global data. Cloning shares the maps.
#[derive(Clone, Debug, Default)]
pub struct Maps {
    maps: Vec<Arc<Map>>,
}

/// What [`Maps::carry_over`] made: the maps, and the names of the maps the old set had too,
/// in index order, split by whether their state was kept.
#[derive(Clone, Debug, Default)]
pub struct Carried {
    pub maps: Maps,
    /// Shared with the old set, contents included.
    pub kept: Vec<String>,
    /// New and empty although the old set had a map of that name, whose state is therefore
    /// not carried: its definition changed, or it is writable global data (`.data`, `.bss`).
    pub restarted: Vec<String>,
}

impl Maps {
    /// A collection of `maps`, indexed in order.
    pub fn new(maps: impl IntoIterator<Item = Map>) -> Maps {
        Maps {
            maps: maps.into_iter().map(Arc::new).collect(),
        }
    }

    /// The maps the loader found: legacy `maps` definitions and global data. A map declared in
    /// the BTF `.maps` section is a [`MapDefError::NeedsBtf`]; see [`Maps::from_symbols_with`].
    pub fn from_symbols(symbols: &[MapSymbol]) -> Result<Maps, MapDefError> {
        Maps::from_symbols_with(symbols, |name, _offset, _size| {
            Err(MapDefError::NeedsBtf {
                map: name.to_string(),
            })
        })
    }

    /// The maps the loader found, asking `btf_def(name, offset, size)` for the definition of
    /// each map declared in the `.maps` section (at that offset and size in the section).
    pub fn from_symbols_with(
        symbols: &[MapSymbol],
        mut btf_def: impl FnMut(&str, u64, u64) -> Result<MapDef, MapDefError>,
    ) -> Result<Maps, MapDefError> {
        let mut maps = Vec::with_capacity(symbols.len());
        for symbol in symbols {
            let name = symbol.name.as_str();
            let map = match &symbol.kind {
                MapSymbolKind::Btf { offset, size } => {
                    Map::new(name, btf_def(name, *offset, *size)?)?
                }
                &MapSymbolKind::Legacy {
                    map_type,
                    key_size,
                    value_size,
                    max_entries,
                    flags,
                } => Map::new(
                    name,
                    MapDef::from_linux(name, map_type, key_size, value_size, max_entries, flags)?,
                )?,
                MapSymbolKind::GlobalData { read_only, bytes } => {
                    Map::global_data(name, *read_only, bytes)?
                }
            };
            maps.push(Arc::new(map));
        }
        Ok(Maps { maps })
    }

    /// The map with index `map_idx`.
    #[inline]
    pub fn get(&self, map_idx: usize) -> Option<&Arc<Map>> {
        self.maps.get(map_idx)
    }

    /// The index and map named `name`.
    pub fn by_name(&self, name: &str) -> Option<(usize, &Arc<Map>)> {
        self.maps
            .iter()
            .enumerate()
            .find(|(_, map)| map.name == name)
    }

    /// The maps, in index order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Map>> + '_ {
        self.maps.iter()
    }

    pub fn len(&self) -> usize {
        self.maps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.maps.is_empty()
    }

    /// These maps, with each array or hash map that `old` has too (the same name and the
    /// same definition: type, key and value sizes, capacity, flags) replaced by `old`'s: the
    /// same map, shared, its entries and values included. Global data (`.rodata`, `.data`,
    /// `.bss`) is never carried: its contents are the new object's.
    ///
    /// A rule pack swap uses this for rules that ask for it (`keep_maps` in `pack.json`), so
    /// that the new version of a rule goes on counting where the old one was. The maps are
    /// chosen before the rule's program is verified and compiled, so the program is
    /// verified against the definitions it will run with.
    pub fn carry_over(&self, old: &Maps) -> Carried {
        let (mut kept, mut restarted) = (Vec::new(), Vec::new());
        let maps = self
            .maps
            .iter()
            .map(|map| {
                let Some((_, old_map)) = old.by_name(&map.name) else {
                    return Arc::clone(map);
                };
                match map.def.map_type {
                    MapType::Array | MapType::Hash if old_map.def == map.def => {
                        kept.push(map.name.clone());
                        Arc::clone(old_map)
                    }
                    // Constants, not state: nothing is lost.
                    MapType::GlobalData { read_only: true } => Arc::clone(map),
                    _ => {
                        restarted.push(map.name.clone());
                        Arc::clone(map)
                    }
                }
            })
            .collect();
        Carried {
            maps: Maps { maps },
            kept,
            restarted,
        }
    }

    /// Every map's value slab as a region for the checked interpreter: kind
    /// [`RegionKind::ReadOnlyData`] for read-only global data, [`RegionKind::MapValue`]
    /// otherwise.
    pub fn regions(&self) -> Vec<Region> {
        self.maps
            .iter()
            .enumerate()
            .map(|(map_idx, map)| {
                let kind = match map.def.map_type {
                    MapType::GlobalData { read_only: true } => RegionKind::ReadOnlyData,
                    _ => RegionKind::MapValue {
                        map_idx: map_idx as u32,
                    },
                };
                map.value_region().region(kind)
            })
            .collect()
    }
}
