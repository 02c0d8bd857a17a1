//! The maps runtime against Linux's semantics: definitions and their errors, every update
//! flag and error on arrays and hash maps, full maps, slot reuse, global data, the helpers,
//! a multi-threaded stress test, and a property test against a model.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use proptest::prelude::*;
use ringfence_vm::elf::{MapSymbol, MapSymbolKind};
use ringfence_vm::maps::def::{BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG};
use ringfence_vm::maps::{
    helper_delete, helper_lookup, helper_update, Map, MapDef, MapDefError, MapError, MapType, Maps,
    BPF_ANY, BPF_EXIST, BPF_NOEXIST,
};
use ringfence_vm::memory::RegionKind;

const EPERM: i64 = -1;
const ENOENT: i64 = -2;
const E2BIG: i64 = -7;
const EEXIST: i64 = -17;
const EINVAL: i64 = -22;

fn errno(result: Result<(), MapError>) -> i64 {
    match result {
        Ok(()) => 0,
        Err(error) => error.errno(),
    }
}

fn idx(index: u32) -> [u8; 4] {
    index.to_le_bytes()
}

/// An 8-byte atomic view of the word `offset` bytes into the value at `value` (an address
/// `map` returned), as a JIT's `lock xadd` would use it; it borrows the map to keep it alive.
fn word_at(_map: &Map, value: std::ptr::NonNull<u8>, offset: usize) -> &AtomicU64 {
    let ptr = value.as_ptr().wrapping_add(offset).cast::<u64>();
    assert_eq!(ptr as usize % 8, 0, "map values are 8-byte aligned");
    // SAFETY: `value` came from `_map.lookup`, so it points into the map's value slab, which
    // is valid memory of whole, 8-byte aligned words for as long as the map lives, and the
    // returned reference borrows the map. `offset` is a multiple of 8 inside the value (the
    // alignment is asserted above). Every other access to these words, by the host or by this
    // test, is atomic.
    unsafe { AtomicU64::from_ptr(ptr) }
}

// ---------------------------------------------------------------------------------------
// Definitions

#[test]
fn definitions_are_validated_with_errors_naming_the_map_and_the_field() {
    let message = |def: MapDef| Map::new("counts", def).unwrap_err().to_string();
    let mut array = MapDef::array(8, 4);
    array.key_size = 8;
    assert_eq!(
        message(array),
        "map `counts` (array): key_size is 8, but an array's key is a 4-byte index"
    );
    assert!(message(MapDef::array(0, 4)).contains("map `counts` (array): value_size is 0"));
    assert!(message(MapDef::hash(4, 0, 4)).contains("value_size is 0"));
    assert!(message(MapDef::array(8, 0)).contains("max_entries is 0"));
    assert!(message(MapDef::hash(0, 8, 4)).contains("key_size is 0"));
    assert!(message(MapDef::hash(513, 8, 4)).contains("key_size is 513"));
    assert!(Map::new("ok", MapDef::hash(512, 8, 4)).is_ok());

    let huge = message(MapDef::array(1 << 20, 65));
    assert!(huge.contains("map `counts` (array)"), "{huge}");
    assert!(huge.contains("64 MiB"), "{huge}");
    // Sizes whose product overflows 64 bits are refused, not wrapped.
    let overflow = message(MapDef::hash(8, u32::MAX, u32::MAX));
    assert!(overflow.contains("more than the limit"), "{overflow}");
    assert!(Map::new("max", MapDef::array(8, 8 << 20)).is_ok());

    let mut flags = MapDef::array(8, 4);
    flags.flags = BPF_F_NO_PREALLOC;
    let flags_message = message(flags);
    assert!(
        flags_message.contains("map_flags 0x1 include 0x1"),
        "{flags_message}"
    );
    let mut hash = MapDef::hash(4, 8, 4);
    hash.flags = BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG;
    assert!(Map::new("h", hash).is_ok());
}

#[test]
fn linux_map_types_are_read_by_number_and_unsupported_ones_named() {
    assert_eq!(
        MapDef::from_linux("h", 1, 4, 8, 16, 0).unwrap().map_type,
        MapType::Hash
    );
    assert_eq!(
        MapDef::from_linux("a", 2, 4, 8, 16, 0).unwrap().map_type,
        MapType::Array
    );
    let error = MapDef::from_linux("lru", 9, 4, 8, 16, 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "map `lru`: map type 9 (lru_hash) is not supported; ringfence supports hash and array"
    );
    assert!(MapDef::from_linux("rb", 27, 0, 0, 4096, 0)
        .unwrap_err()
        .to_string()
        .contains("map type 27 (ringbuf)"));
    assert!(MapDef::from_linux("x", 999, 4, 8, 16, 0)
        .unwrap_err()
        .to_string()
        .contains("map type 999 (unknown)"));
    // The fields are validated too.
    assert!(matches!(
        MapDef::from_linux("a", 2, 8, 8, 16, 0),
        Err(MapDefError::BadField { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Arrays

#[test]
fn array_update_flags_and_errors_follow_linux() {
    let map = Map::new("arr", MapDef::array(12, 4)).unwrap();
    let value = [7u8; 12];
    assert_eq!(map.len(), 4);
    assert_eq!(map.get(&idx(2)), Some(vec![0; 12]), "arrays start zeroed");
    assert_eq!(errno(map.update(&idx(2), &value, BPF_ANY)), 0);
    assert_eq!(errno(map.update(&idx(2), &[8; 12], BPF_EXIST)), 0);
    assert_eq!(map.get(&idx(2)), Some(vec![8; 12]));
    assert_eq!(errno(map.update(&idx(1), &value, BPF_NOEXIST)), EEXIST);
    assert_eq!(errno(map.update(&idx(4), &value, BPF_ANY)), E2BIG);
    // Linux checks the index before BPF_NOEXIST, and the flags before either.
    assert_eq!(errno(map.update(&idx(4), &value, BPF_NOEXIST)), E2BIG);
    assert_eq!(errno(map.update(&idx(4), &value, 3)), EINVAL);
    assert_eq!(errno(map.update(&idx(0), &value, 4)), EINVAL);
    assert_eq!(errno(map.update(&[0; 8], &value, BPF_ANY)), EINVAL);
    assert_eq!(errno(map.update(&idx(0), &[0; 8], BPF_ANY)), EINVAL);
    assert_eq!(errno(map.delete(&idx(0))), EINVAL);
    assert_eq!(map.len(), 4, "entries of an array always exist");
}

#[test]
fn array_bounds_are_checked_on_every_path() {
    let map = Map::new("arr", MapDef::array(4, 3)).unwrap();
    assert!(map.lookup(&idx(2)).is_some());
    for index in [3, 4, u32::MAX] {
        assert!(map.lookup(&idx(index)).is_none());
        assert_eq!(map.get(&idx(index)), None);
        assert_eq!(
            map.update(&idx(index), &[1; 4], BPF_ANY),
            Err(MapError::IndexOutOfRange {
                index,
                max_entries: 3
            })
        );
        assert_eq!(helper_lookup(&map, &idx(index)), 0);
    }
    assert!(map.lookup(&[0, 0]).is_none(), "a short key finds nothing");
    let entries = map.entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2], (idx(2).to_vec(), vec![0; 4]));
}

#[test]
fn array_values_are_stable_aligned_and_inside_the_value_region() {
    let map = Map::new("arr", MapDef::array(12, 4)).unwrap();
    let region = map.value_region();
    assert_eq!((region.len, region.stride, region.value_size), (64, 16, 12));
    assert!(region.writable);
    let first = map.lookup(&idx(0)).unwrap();
    assert_eq!(first.as_ptr() as u64, region.base);
    for index in 0..4 {
        let addr = map.lookup(&idx(index)).unwrap().as_ptr() as u64;
        assert_eq!(addr, region.base + 16 * index as u64);
        assert!(region.contains_value_access(addr, 12));
        assert!(
            !region.contains_value_access(addr, 13),
            "padding is not value"
        );
        assert!(!region.contains_value_access(addr + 8, 8));
    }
    assert!(!region.contains_value_access(region.base + 64, 1));
    assert!(!region.contains_value_access(region.base.wrapping_sub(1), 1));
    assert!(!region.contains_value_access(region.base, u64::MAX));
    // A program's write through the pointer is what the host reads, and the pointer does
    // not move when the host updates the value.
    word_at(&map, first, 0).store(0x0102_0304_0506_0708, Ordering::Relaxed);
    assert_eq!(
        map.get(&idx(0)).unwrap()[..8],
        0x0102_0304_0506_0708u64.to_le_bytes()
    );
    map.update(&idx(0), &[9; 12], BPF_ANY).unwrap();
    assert_eq!(map.lookup(&idx(0)), Some(first));
    assert_eq!(
        word_at(&map, first, 0).load(Ordering::Relaxed),
        u64::from_le_bytes([9; 8])
    );
    // The byte and word views cover the same slab.
    assert_eq!(map.value_bytes().len(), 64);
    assert_eq!(map.value_words().len(), 8);
    assert_eq!(map.value_bytes()[8].load(Ordering::Relaxed), 9);
    assert_eq!(
        map.value_bytes()[12].load(Ordering::Relaxed),
        0,
        "padding stays zero"
    );
}

// ---------------------------------------------------------------------------------------
// Hash maps

fn key(n: u8) -> [u8; 5] {
    [n, 0xa0, 0, 0, n ^ 0xff]
}

#[test]
fn hash_update_flags_and_errors_follow_linux() {
    let map = Map::new("h", MapDef::hash(5, 3, 8)).unwrap();
    assert!(map.is_empty());
    assert_eq!(errno(map.update(&key(1), &[1; 3], BPF_EXIST)), ENOENT);
    assert_eq!(errno(map.update(&key(1), &[1; 3], BPF_NOEXIST)), 0);
    assert_eq!(errno(map.update(&key(1), &[2; 3], BPF_NOEXIST)), EEXIST);
    assert_eq!(
        map.get(&key(1)),
        Some(vec![1; 3]),
        "a failed update changes nothing"
    );
    assert_eq!(errno(map.update(&key(1), &[3; 3], BPF_EXIST)), 0);
    assert_eq!(errno(map.update(&key(1), &[4; 3], BPF_ANY)), 0);
    assert_eq!(errno(map.update(&key(2), &[5; 3], BPF_ANY)), 0);
    assert_eq!(map.get(&key(1)), Some(vec![4; 3]));
    assert_eq!(map.len(), 2);
    assert_eq!(errno(map.update(&key(3), &[1; 3], 3)), EINVAL);
    assert_eq!(errno(map.update(&key(3), &[1; 3], u64::MAX)), EINVAL);
    assert_eq!(errno(map.update(&[1, 2, 3, 4], &[1; 3], BPF_ANY)), EINVAL);
    assert_eq!(errno(map.update(&key(3), &[1; 4], BPF_ANY)), EINVAL);
    assert_eq!(errno(map.delete(&key(3))), ENOENT);
    assert_eq!(errno(map.delete(&key(1))), 0);
    assert_eq!(errno(map.delete(&key(1))), ENOENT);
    assert_eq!(map.get(&key(1)), None);
    assert!(map.lookup(&key(1)).is_none());
    assert!(map.lookup(&key(1)[..4]).is_none());
    assert_eq!(map.entries(), vec![(key(2).to_vec(), vec![5; 3])]);
}

#[test]
fn a_full_hash_map_refuses_new_keys_but_updates_existing_ones() {
    let map = Map::new("h", MapDef::hash(5, 8, 3)).unwrap();
    for n in 0..3 {
        map.update(&key(n), &[n; 8], BPF_NOEXIST).unwrap();
    }
    assert_eq!(map.len(), 3);
    assert_eq!(
        map.update(&key(9), &[9; 8], BPF_ANY),
        Err(MapError::Full { max_entries: 3 })
    );
    assert_eq!(errno(map.update(&key(9), &[9; 8], BPF_NOEXIST)), E2BIG);
    // Flag errors come before the capacity check, as in Linux.
    assert_eq!(errno(map.update(&key(9), &[9; 8], BPF_EXIST)), ENOENT);
    assert_eq!(errno(map.update(&key(0), &[1; 8], BPF_NOEXIST)), EEXIST);
    assert_eq!(errno(map.update(&key(0), &[7; 8], BPF_ANY)), 0);
    assert_eq!(errno(map.update(&key(1), &[7; 8], BPF_EXIST)), 0);
    assert_eq!(map.len(), 3);
    let mut entries = map.entries();
    entries.sort();
    assert_eq!(
        entries,
        vec![
            (key(0).to_vec(), vec![7; 8]),
            (key(1).to_vec(), vec![7; 8]),
            (key(2).to_vec(), vec![2; 8]),
        ]
    );
}

#[test]
fn a_deleted_slot_is_reused_and_its_memory_stays_valid() {
    let map = Map::new("h", MapDef::hash(5, 8, 2)).unwrap();
    map.update(&key(1), &[1; 8], BPF_ANY).unwrap();
    map.update(&key(2), &[2; 8], BPF_ANY).unwrap();
    let old = map.lookup(&key(1)).unwrap();
    let region = map.value_region();
    assert!(region.contains_value_access(old.as_ptr() as u64, 8));
    map.delete(&key(1)).unwrap();
    assert!(map.lookup(&key(1)).is_none());
    // A program that still holds the old pointer reads the value as it was left: the memory
    // stays valid, the bytes are not cleared.
    assert_eq!(
        word_at(&map, old, 0).load(Ordering::Relaxed),
        u64::from_le_bytes([1; 8])
    );
    // The freed slot takes the next new key (as in Linux, a stale pointer now sees it).
    map.update(&key(3), &[3; 8], BPF_NOEXIST).unwrap();
    assert_eq!(map.lookup(&key(3)), Some(old));
    assert_eq!(
        word_at(&map, old, 0).load(Ordering::Relaxed),
        u64::from_le_bytes([3; 8])
    );
    assert_eq!(errno(map.update(&key(4), &[4; 8], BPF_ANY)), E2BIG);
    map.delete(&key(2)).unwrap();
    map.delete(&key(3)).unwrap();
    assert!(map.is_empty());
    for n in 10..12 {
        map.update(&key(n), &[n; 8], BPF_ANY).unwrap();
    }
    assert_eq!(map.len(), 2);
}

#[test]
fn a_large_hash_map_fills_empties_and_refills_exactly_to_capacity() {
    const N: u32 = 10_000;
    let map = Map::new("big", MapDef::hash(12, 4, N)).unwrap();
    let key = |n: u32| {
        let mut key = [0u8; 12];
        key[..4].copy_from_slice(&n.to_le_bytes());
        key[8..].copy_from_slice(&n.wrapping_mul(2_654_435_761).to_le_bytes());
        key
    };
    for n in 0..N {
        map.update(&key(n), &n.to_le_bytes(), BPF_NOEXIST).unwrap();
    }
    assert_eq!(map.len(), N as usize);
    assert_eq!(errno(map.update(&key(N), &[0; 4], BPF_ANY)), E2BIG);
    for n in (0..N).step_by(2) {
        map.delete(&key(n)).unwrap();
    }
    for n in 0..N {
        let expected = (n % 2 == 1).then(|| n.to_le_bytes().to_vec());
        assert_eq!(map.get(&key(n)), expected, "key {n}");
    }
    for n in N..N + N / 2 {
        map.update(&key(n), &n.to_le_bytes(), BPF_NOEXIST).unwrap();
    }
    assert_eq!(errno(map.update(&key(0), &[0; 4], BPF_ANY)), E2BIG);
    let entries = map.entries();
    assert_eq!(entries.len(), N as usize);
    for (key_bytes, value) in entries {
        assert_eq!(key_bytes[..4], value[..]);
    }
    // Every value address is a distinct slot inside the slab.
    let region = map.value_region();
    let addresses: BTreeSet<u64> = (0..N + N / 2)
        .filter_map(|n| map.lookup(&key(n)))
        .map(|value| value.as_ptr() as u64)
        .collect();
    assert_eq!(addresses.len(), N as usize);
    assert!(addresses
        .iter()
        .all(|&addr| region.contains_value_access(addr, 4)));
}

// ---------------------------------------------------------------------------------------
// Global data, helpers and the collection

#[test]
fn global_data_holds_its_section_and_rodata_is_read_only() {
    let rodata = Map::global_data(".rodata", true, b"hello\0world").unwrap();
    assert_eq!(
        rodata.def().map_type,
        MapType::GlobalData { read_only: true }
    );
    assert_eq!((rodata.def().value_size, rodata.def().max_entries), (11, 1));
    assert_eq!(rodata.get(&idx(0)), Some(b"hello\0world".to_vec()));
    assert!(!rodata.value_region().writable);
    assert_eq!(errno(rodata.update(&idx(0), &[0; 11], BPF_ANY)), EPERM);
    assert_eq!(
        helper_update(&rodata, &idx(0), &[0; 11], BPF_ANY),
        EPERM as u64
    );
    assert_eq!(rodata.get(&idx(0)), Some(b"hello\0world".to_vec()));
    assert_ne!(helper_lookup(&rodata, &idx(0)), 0, "programs may read it");
    assert_eq!(helper_lookup(&rodata, &idx(1)), 0);

    let data = Map::global_data(".data", false, &[1, 2, 3]).unwrap();
    assert!(data.value_region().writable);
    assert_eq!(errno(data.update(&idx(0), &[4, 5, 6], BPF_ANY)), 0);
    assert_eq!(helper_update(&data, &idx(0), &[7, 8, 9], BPF_EXIST), 0);
    assert_eq!(data.get(&idx(0)), Some(vec![7, 8, 9]));
    assert_eq!(errno(data.update(&idx(0), &[0; 3], BPF_NOEXIST)), EEXIST);
    assert_eq!(errno(data.delete(&idx(0))), EINVAL);

    // An empty section still gets its map, so indexes match the loader's.
    let empty = Map::global_data(".bss", false, &[]).unwrap();
    assert_eq!(empty.get(&idx(0)), Some(Vec::new()));
    assert!(!empty
        .value_region()
        .contains_value_access(empty.value_region().base, 1));
}

#[test]
fn helpers_return_addresses_and_negative_errnos() {
    let map = Map::new("h", MapDef::hash(4, 8, 1)).unwrap();
    assert_eq!(helper_lookup(&map, &idx(5)), 0);
    assert_eq!(
        helper_update(&map, &idx(5), &[1; 8], BPF_EXIST),
        ENOENT as u64
    );
    assert_eq!(helper_update(&map, &idx(5), &[1; 8], BPF_ANY), 0);
    assert_eq!(helper_update(&map, &idx(6), &[1; 8], BPF_ANY), E2BIG as u64);
    assert_eq!(
        helper_update(&map, &idx(5), &[1; 8], BPF_NOEXIST),
        EEXIST as u64
    );
    let addr = helper_lookup(&map, &idx(5));
    assert_eq!(addr, map.lookup(&idx(5)).unwrap().as_ptr() as u64);
    assert_eq!(helper_delete(&map, &idx(5)), 0);
    assert_eq!(helper_delete(&map, &idx(5)), ENOENT as u64);
    assert_eq!(helper_update(&map, &idx(5), &[1; 8], 7), EINVAL as u64);

    // BPF_F_RDONLY_PROG: the host may write, programs may not.
    let mut def = MapDef::array(8, 2);
    def.flags = BPF_F_RDONLY_PROG;
    let config = Map::new("config", def).unwrap();
    assert!(!config.value_region().writable);
    assert_eq!(errno(config.update(&idx(1), &[3; 8], BPF_ANY)), 0);
    assert_eq!(
        helper_update(&config, &idx(1), &[4; 8], BPF_ANY),
        EPERM as u64
    );
    assert_eq!(helper_delete(&config, &idx(1)), EPERM as u64);
    assert_eq!(config.get(&idx(1)), Some(vec![3; 8]));
}

#[test]
fn maps_are_built_from_loader_symbols_in_the_loaders_order() {
    let symbols = vec![
        MapSymbol {
            name: "counts".into(),
            kind: MapSymbolKind::Legacy {
                map_type: 1,
                key_size: 4,
                value_size: 8,
                max_entries: 16,
                flags: 0,
            },
        },
        MapSymbol {
            name: "table".into(),
            kind: MapSymbolKind::Legacy {
                map_type: 2,
                key_size: 4,
                value_size: 4,
                max_entries: 2,
                flags: 0,
            },
        },
        MapSymbol {
            name: ".rodata".into(),
            kind: MapSymbolKind::GlobalData {
                read_only: true,
                bytes: vec![1, 2, 3, 4],
            },
        },
        MapSymbol {
            name: ".bss".into(),
            kind: MapSymbolKind::GlobalData {
                read_only: false,
                bytes: vec![0; 16],
            },
        },
    ];
    let maps = Maps::from_symbols(&symbols).unwrap();
    assert_eq!(maps.len(), 4);
    assert_eq!(maps.get(0).unwrap().def().map_type, MapType::Hash);
    assert_eq!(maps.get(1).unwrap().def().map_type, MapType::Array);
    assert_eq!(maps.by_name(".rodata").unwrap().0, 2);
    assert_eq!(maps.get(2).unwrap().get(&idx(0)), Some(vec![1, 2, 3, 4]));
    assert_eq!(maps.get(3).unwrap().get(&idx(0)), Some(vec![0; 16]));
    let regions = maps.regions();
    assert_eq!(regions[0].kind, RegionKind::MapValue { map_idx: 0 });
    assert_eq!(regions[2].kind, RegionKind::ReadOnlyData);
    assert!(!regions[2].writable && regions[3].writable);
    assert_eq!(regions[3].kind, RegionKind::MapValue { map_idx: 3 });
    // A value address from lookup lies inside its map's region.
    let addr = maps.get(1).unwrap().lookup(&idx(1)).unwrap().as_ptr() as u64;
    assert!(regions[1].contains(addr, 4));

    let btf = [MapSymbol {
        name: "events".into(),
        kind: MapSymbolKind::Btf {
            offset: 0,
            size: 32,
        },
    }];
    assert_eq!(
        Maps::from_symbols(&btf).unwrap_err(),
        MapDefError::NeedsBtf {
            map: "events".into()
        }
    );
    let maps = Maps::from_symbols_with(&btf, |_, _, _| Ok(MapDef::hash(4, 4, 4))).unwrap();
    assert_eq!(maps.get(0).unwrap().name(), "events");
    let bad = Maps::from_symbols_with(&btf, |_, _, _| Ok(MapDef::array(0, 4))).unwrap_err();
    assert!(bad
        .to_string()
        .contains("map `events` (array): value_size is 0"));

    let lru = [MapSymbol {
        name: "lru".into(),
        kind: MapSymbolKind::Legacy {
            map_type: 9,
            key_size: 4,
            value_size: 8,
            max_entries: 16,
            flags: 0,
        },
    }];
    assert!(Maps::from_symbols(&lru)
        .unwrap_err()
        .to_string()
        .contains("map type 9 (lru_hash) is not supported"));
}

#[test]
fn maps_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Map>();
    assert_send_sync::<Maps>();
}

// ---------------------------------------------------------------------------------------
// Concurrency

/// xorshift64*: a fixed, seeded sequence per thread, so the test is deterministic in what
/// each thread asks (the interleaving is the scheduler's).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The first word every value of `key` holds in the stress test.
fn tag(key: u64) -> u64 {
    key ^ 0xa5a5_5a5a_0f0f_f0f0
}

fn check_tagged(entries: &[(Vec<u8>, Vec<u8>)]) {
    let mut keys = BTreeSet::new();
    for (key, value) in entries {
        let key = u64::from_le_bytes(key[..].try_into().unwrap());
        assert!(keys.insert(key), "key {key} listed twice");
        assert_eq!(value[..8], tag(key).to_le_bytes(), "value of key {key}");
    }
    assert!(entries.len() <= 64);
}

#[test]
fn concurrent_updates_deletes_and_pointer_writes_keep_the_map_consistent() {
    const THREADS: u64 = 4;
    const OPS: usize = 20_000;
    let map = Arc::new(Map::new("stress", MapDef::hash(8, 16, 64)).unwrap());
    let workers: Vec<_> = (0..THREADS)
        .map(|thread_idx| {
            let map = Arc::clone(&map);
            thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (thread_idx + 1));
                for op_idx in 0..OPS {
                    let r = rng.next();
                    let key = r % 96;
                    let key_bytes = key.to_le_bytes();
                    match (r >> 8) % 8 {
                        0 | 1 => {
                            let mut value = [0u8; 16];
                            value[..8].copy_from_slice(&tag(key).to_le_bytes());
                            let flags = (r >> 16) % 3;
                            match map.update(&key_bytes, &value, flags) {
                                Ok(())
                                | Err(MapError::Exists)
                                | Err(MapError::NoEntry)
                                | Err(MapError::Full { .. }) => {}
                                Err(other) => panic!("update: {other}"),
                            }
                        }
                        2 => match map.delete(&key_bytes) {
                            Ok(()) | Err(MapError::NoEntry) => {}
                            Err(other) => panic!("delete: {other}"),
                        },
                        3 => {
                            // Copied under the shard lock: always this key's value.
                            if let Some(value) = map.get(&key_bytes) {
                                assert_eq!(value[..8], tag(key).to_le_bytes());
                            }
                        }
                        _ => {
                            // What a program does: look up, then write through the pointer
                            // while others may delete the key and reuse the slot.
                            if let Some(value) = map.lookup(&key_bytes) {
                                word_at(&map, value, 8).fetch_add(1, Ordering::Relaxed);
                                let _ = word_at(&map, value, 0).load(Ordering::Relaxed);
                            }
                        }
                    }
                    if op_idx % 4096 == 0 {
                        check_tagged(&map.entries());
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("no thread panicked");
    }
    let entries = map.entries();
    check_tagged(&entries);
    assert_eq!(entries.len(), map.len());
    for (key, value) in &entries {
        assert_eq!(map.get(key).as_ref(), Some(value));
    }
    // Every slot is accounted for: deleting everything frees all 64, and all 64 fill again.
    for (key, _) in &entries {
        map.delete(key).unwrap();
    }
    assert!(map.is_empty());
    for key in 1000u64..1064 {
        map.update(&key.to_le_bytes(), &[0; 16], BPF_NOEXIST)
            .unwrap();
    }
    assert_eq!(
        errno(map.update(&7u64.to_le_bytes(), &[0; 16], BPF_ANY)),
        E2BIG
    );
}

#[test]
fn concurrent_counts_through_lookup_pointers_add_up_without_deletes() {
    const THREADS: u64 = 4;
    const OPS: u64 = 20_000;
    let hash = Arc::new(Map::new("hash", MapDef::hash(4, 8, 64)).unwrap());
    let array = Arc::new(Map::new("array", MapDef::array(8, 8)).unwrap());
    let workers: Vec<_> = (0..THREADS)
        .map(|thread_idx| {
            let (hash, array) = (Arc::clone(&hash), Arc::clone(&array));
            thread::spawn(move || {
                let mut rng = Rng(0x1234_5678_9abc_def1 ^ (thread_idx + 1));
                let mut touched = BTreeSet::new();
                for op_idx in 0..OPS {
                    let r = rng.next();
                    let key = ((r % 64) as u32).to_le_bytes();
                    touched.insert(key);
                    // The rule "count per key": insert zero if missing (racing others doing
                    // the same), then add through the pointer.
                    let value = loop {
                        if let Some(value) = hash.lookup(&key) {
                            break value;
                        }
                        match hash.update(&key, &[0; 8], BPF_NOEXIST) {
                            Ok(()) | Err(MapError::Exists) => {}
                            Err(other) => panic!("insert: {other}"),
                        }
                    };
                    word_at(&hash, value, 0).fetch_add(1, Ordering::Relaxed);
                    let slot = ((r >> 32) % 8) as u32;
                    let counter = array.lookup(&slot.to_le_bytes()).unwrap();
                    word_at(&array, counter, 0).fetch_add(thread_idx + 1, Ordering::Relaxed);
                    if op_idx % 1024 == 0 {
                        assert!(hash.get(&key).is_some());
                    }
                }
                touched
            })
        })
        .collect();
    let mut touched = BTreeSet::new();
    for worker in workers {
        touched.extend(worker.join().expect("no thread panicked"));
    }
    let entries = hash.entries();
    assert_eq!(entries.len(), touched.len());
    assert_eq!(hash.len(), touched.len());
    let sum = |entries: Vec<(Vec<u8>, Vec<u8>)>| -> u64 {
        entries
            .iter()
            .map(|(_, value)| u64::from_le_bytes(value[..].try_into().unwrap()))
            .sum()
    };
    assert_eq!(sum(entries), THREADS * OPS);
    assert_eq!(sum(array.entries()), (1..=THREADS).sum::<u64>() * OPS);
}

// ---------------------------------------------------------------------------------------
// Property: the hash map behaves as a bounded model

#[derive(Clone, Debug)]
enum Op {
    Update { key: u8, value: u8, flags: u64 },
    Delete { key: u8 },
    Get { key: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..12, any::<u8>(), 0u64..4)
            .prop_map(|(key, value, flags)| Op::Update { key, value, flags }),
        2 => (0u8..12).prop_map(|key| Op::Delete { key }),
        1 => (0u8..12).prop_map(|key| Op::Get { key }),
    ]
}

/// What Linux returns for `update` on a model holding `model` with room for `capacity`.
fn model_update(
    model: &mut BTreeMap<Vec<u8>, Vec<u8>>,
    capacity: usize,
    key: Vec<u8>,
    value: Vec<u8>,
    flags: u64,
) -> i64 {
    let present = model.contains_key(&key);
    if flags > BPF_EXIST {
        EINVAL
    } else if present && flags == BPF_NOEXIST {
        EEXIST
    } else if !present && flags == BPF_EXIST {
        ENOENT
    } else if !present && model.len() == capacity {
        E2BIG
    } else {
        model.insert(key, value);
        0
    }
}

proptest! {
    #[test]
    fn hash_map_matches_a_bounded_model(
        capacity in 1u32..8,
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let map = Map::new("model", MapDef::hash(5, 12, capacity)).unwrap();
        let mut model = BTreeMap::new();
        for op in ops {
            match op {
                Op::Update { key: k, value, flags } => {
                    let value = vec![value; 12];
                    let expected =
                        model_update(&mut model, capacity as usize, key(k).to_vec(), value.clone(), flags);
                    prop_assert_eq!(errno(map.update(&key(k), &value, flags)), expected, "{:?}", op);
                }
                Op::Delete { key: k } => {
                    let expected = if model.remove(&key(k)[..]).is_some() { 0 } else { ENOENT };
                    prop_assert_eq!(errno(map.delete(&key(k))), expected);
                }
                Op::Get { key: k } => {
                    prop_assert_eq!(map.get(&key(k)), model.get(&key(k)[..]).cloned());
                    prop_assert_eq!(map.lookup(&key(k)).is_some(), model.contains_key(&key(k)[..]));
                }
            }
            prop_assert_eq!(map.len(), model.len());
        }
        let mut entries = map.entries();
        entries.sort();
        let expected: Vec<_> = model.into_iter().collect();
        prop_assert_eq!(entries, expected);
    }
}

/// `Maps::carry_over` (a pack swap's `keep_maps`) takes an old array or hash map only when
/// the name and the whole definition match, sharing it with its contents; a map whose
/// capacity or type changed, a map the old set lacks, and global data (the new object's
/// bytes win, even for `.bss`) are the new ones, and those whose state the old set had
/// (all but the new map and `.rodata`, which holds constants) are named as restarted.
#[test]
fn carry_over_shares_only_maps_of_the_same_name_and_definition() {
    let old = Maps::new([
        Map::new("counts", MapDef::hash(4, 8, 16)).unwrap(),
        Map::new("table", MapDef::array(8, 4)).unwrap(),
        Map::new("resized", MapDef::array(8, 4)).unwrap(),
        Map::new("retyped", MapDef::array(8, 4)).unwrap(),
        Map::global_data(".bss", false, &[1, 2, 3, 4]).unwrap(),
        Map::global_data(".rodata", true, &[5]).unwrap(),
    ]);
    let counts = old.get(0).unwrap();
    counts.update(&[7, 0, 0, 0], &[9; 8], BPF_ANY).unwrap();
    let new = Maps::new([
        Map::global_data(".bss", false, &[0; 4]).unwrap(),
        Map::new("retyped", MapDef::hash(4, 8, 4)).unwrap(),
        Map::new("table", MapDef::array(8, 4)).unwrap(),
        Map::new("fresh", MapDef::array(8, 4)).unwrap(),
        Map::new("counts", MapDef::hash(4, 8, 16)).unwrap(),
        Map::new("resized", MapDef::array(8, 5)).unwrap(),
        Map::global_data(".rodata", true, &[6]).unwrap(),
    ]);
    let carried = new.carry_over(&old);
    assert_eq!(carried.kept, ["table", "counts"]);
    assert_eq!(carried.restarted, [".bss", "retyped", "resized"]);
    let maps = &carried.maps;
    let names: Vec<&str> = maps.iter().map(|map| map.name()).collect();
    let expected_names = [
        ".bss", "retyped", "table", "fresh", "counts", "resized", ".rodata",
    ];
    assert_eq!(names, expected_names);
    for (idx, map) in maps.iter().enumerate() {
        let shared = old.iter().any(|old_map| Arc::ptr_eq(old_map, map));
        let expected = carried.kept.iter().any(|name| name == map.name());
        assert_eq!(shared, expected, "map {idx} `{}`", map.name());
    }
    assert_eq!(maps.get(4).unwrap().get(&[7, 0, 0, 0]), Some(vec![9; 8]));
    let bss = maps.get(0).unwrap().get(&0u32.to_le_bytes());
    assert_eq!(bss, Some(vec![0; 4]));
    // Nothing to carry from: every map is the new one, and nothing restarted.
    let nothing = new.carry_over(&Maps::default());
    assert!(nothing.kept.is_empty() && nothing.restarted.is_empty());
    assert!(nothing
        .maps
        .iter()
        .zip(new.iter())
        .all(|(a, b)| Arc::ptr_eq(a, b)));
}
