//! The index of a hash map: which preallocated slot holds the entry of which key, sharded so
//! that lookups from many threads rarely meet on one lock.
//!
//! Keys live in a key slab with the same slot numbering as the value slab; each shard is a
//! `RwLock` over a `hashbrown::HashTable` of slot numbers (4 bytes an entry), probed with a
//! hash computed once per operation, so no key is ever allocated. A table that grows
//! rehashes its keys from the key slab, under its write lock. The hash is SipHash with random keys
//! ([`RandomState`]), so rule inputs cannot be chosen to pile up in one bucket (Linux seeds
//! its `jhash` randomly for the same reason). Free slots wait on one stack; a map is full when
//! the stack is empty.
//!
//! Lock order: a shard's lock, then the free stack's. Nothing takes them the other way.
#![forbid(unsafe_code)]

use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::HashTable;

use super::error::MapError;
use super::slab::Slab;
use super::{BPF_EXIST, BPF_NOEXIST};

/// At most this many shards (a power of two).
const MAX_SHARDS: usize = 16;

/// The memory the index takes per entry, at most: a 4-byte slot number and a control byte in
/// a table at least 7/16 full (hashbrown doubles it at 7/8), and a 4-byte place on the free
/// stack: 4 * 16/7 + 16/7 + 4 < 16.
pub(super) const INDEX_BYTES_PER_ENTRY: u64 = 16;

/// The key index of one hash map.
pub(super) struct HashIndex {
    hasher: RandomState,
    key_size: usize,
    key_words: usize,
    keys: Slab,
    shards: Box<[Shard]>,
    shard_mask: usize,
    /// Free slots; popped from the end, so an empty map fills slots 0, 1, 2, ...
    free: Mutex<Vec<u32>>,
    max_entries: u32,
}

/// One shard, alone on its cache lines so that readers of different shards do not contend.
#[repr(align(128))]
struct Shard {
    table: RwLock<HashTable<u32>>,
}

impl HashIndex {
    /// An empty index for up to `max_entries` keys of `key_size` bytes.
    pub(super) fn new(key_size: u32, max_entries: u32) -> HashIndex {
        let key_words = (key_size as usize).div_ceil(8).max(1);
        let key_size = key_size as usize;
        let n_shards = (max_entries as usize).next_power_of_two().min(MAX_SHARDS);
        let per_shard = (max_entries as usize).div_ceil(n_shards);
        HashIndex {
            hasher: RandomState::new(),
            key_size,
            key_words,
            keys: Slab::zeroed(key_words * max_entries as usize),
            shards: (0..n_shards)
                .map(|_| Shard {
                    table: RwLock::new(HashTable::with_capacity(per_shard)),
                })
                .collect(),
            shard_mask: n_shards - 1,
            free: Mutex::new((0..max_entries).rev().collect()),
            max_entries,
        }
    }

    /// The number of entries.
    pub(super) fn len(&self) -> usize {
        self.max_entries as usize - lock(&self.free).len()
    }

    /// The slot of `key`, if present. The slot may be reused for another key as soon as this
    /// returns, if another thread deletes `key`.
    #[inline]
    pub(super) fn find(&self, key: &[u8]) -> Option<u32> {
        self.with_slot(key, |slot| slot)
    }

    /// Calls `f` with the slot of `key`, if present, while no other thread can delete it.
    #[inline]
    pub(super) fn with_slot<R>(&self, key: &[u8], f: impl FnOnce(u32) -> R) -> Option<R> {
        let hash = self.hasher.hash_one(key);
        let table = read(&self.shard(hash).table);
        let slot = table.find(hash, |&slot| self.is_key(slot, key))?;
        Some(f(*slot))
    }

    /// Inserts or updates `key` under `flags` (`BPF_ANY`, `BPF_NOEXIST` or `BPF_EXIST`, already
    /// checked), calling `write_value` with the entry's slot while it holds the shard's lock:
    /// for a new key, before the key becomes visible to lookups.
    pub(super) fn upsert(
        &self,
        key: &[u8],
        flags: u64,
        write_value: impl FnOnce(u32),
    ) -> Result<(), MapError> {
        let hash = self.hasher.hash_one(key);
        let mut table = write(&self.shard(hash).table);
        let existing = table.find(hash, |&slot| self.is_key(slot, key)).copied();
        match (existing, flags) {
            (Some(_), BPF_NOEXIST) => Err(MapError::Exists),
            (None, BPF_EXIST) => Err(MapError::NoEntry),
            (Some(slot), _) => {
                write_value(slot);
                Ok(())
            }
            (None, _) => {
                let slot = lock(&self.free).pop().ok_or(MapError::Full {
                    max_entries: self.max_entries,
                })?;
                self.keys.write(self.key_word(slot), key);
                write_value(slot);
                table.insert_unique(hash, slot, |&slot| self.hash_of_slot(slot));
                Ok(())
            }
        }
    }

    /// Removes `key`, freeing its slot for reuse (its bytes are left as they are).
    pub(super) fn remove(&self, key: &[u8]) -> Result<(), MapError> {
        let hash = self.hasher.hash_one(key);
        let mut table = write(&self.shard(hash).table);
        match table.find_entry(hash, |&slot| self.is_key(slot, key)) {
            Ok(found) => {
                let (slot, _) = found.remove();
                lock(&self.free).push(slot);
                Ok(())
            }
            Err(_) => Err(MapError::NoEntry),
        }
    }

    /// Calls `f` with the key bytes and slot of every entry, one shard at a time, each under
    /// its shard's read lock.
    pub(super) fn for_each(&self, mut f: impl FnMut(Vec<u8>, u32)) {
        for shard in self.shards.iter() {
            let table = read(&shard.table);
            for &slot in table.iter() {
                f(self.key_of(slot), slot);
            }
        }
    }

    #[inline]
    fn shard(&self, hash: u64) -> &Shard {
        // The middle bits: hashbrown uses the low bits for the bucket and the top 7 for its
        // tags, and a shard choice correlated with either would weaken them.
        &self.shards[(hash >> 32) as usize & self.shard_mask]
    }

    #[inline]
    fn key_word(&self, slot: u32) -> usize {
        slot as usize * self.key_words
    }

    /// Whether the key in `slot` is `key`. hashbrown asks only about slots whose 7-bit tag
    /// matches the hash's, so most probes compare no key at all.
    #[inline]
    fn is_key(&self, slot: u32, key: &[u8]) -> bool {
        self.keys.equals(self.key_word(slot), key)
    }

    fn key_of(&self, slot: u32) -> Vec<u8> {
        let mut key = vec![0; self.key_size];
        self.keys.read(self.key_word(slot), &mut key);
        key
    }

    /// The hash of the key in `slot`, for a table that grows (under its write lock).
    fn hash_of_slot(&self, slot: u32) -> u64 {
        self.hasher.hash_one(&self.key_of(slot)[..])
    }
}

// Poisoning is ignored: no critical section here can panic half-way through a change (they
// only copy bytes, pop, push and insert), so the data behind a poisoned lock is consistent.

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
