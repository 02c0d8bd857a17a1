//! The map helpers with Linux's numbers and return conventions, as plain functions over a
//! [`Map`]: the caller (a helper registered in [`crate::Helpers`], or a JIT's call stub)
//! reads the key and value bytes out of program memory and passes `r0` back.
//!
//! They differ from the host API ([`Map::update`], [`Map::delete`]) in one way: a map the
//! programs may not write ([`super::def::BPF_F_RDONLY_PROG`], `.rodata`) refuses
//! `map_update_elem` and `map_delete_elem` with `-EPERM`, a second line behind the verifier.
#![forbid(unsafe_code)]

use super::{Map, MapError};

/// Linux's number of `bpf_map_lookup_elem`.
pub const MAP_LOOKUP_ELEM: u32 = 1;
/// Linux's number of `bpf_map_update_elem`.
pub const MAP_UPDATE_ELEM: u32 = 2;
/// Linux's number of `bpf_map_delete_elem`.
pub const MAP_DELETE_ELEM: u32 = 3;

/// `bpf_map_lookup_elem(map, key)`: the address of the value, or 0.
#[inline]
pub fn helper_lookup(map: &Map, key: &[u8]) -> u64 {
    map.lookup(key).map_or(0, |value| value.as_ptr() as u64)
}

/// `bpf_map_update_elem(map, key, value, flags)`: 0, or a negative errno.
#[inline]
pub fn helper_update(map: &Map, key: &[u8], value: &[u8], flags: u64) -> u64 {
    let result = if map.def().writable_by_programs() {
        map.update(key, value, flags)
    } else {
        Err(MapError::ReadOnly)
    };
    return_code(result)
}

/// `bpf_map_delete_elem(map, key)`: 0, or a negative errno.
#[inline]
pub fn helper_delete(map: &Map, key: &[u8]) -> u64 {
    let result = if map.def().writable_by_programs() {
        map.delete(key)
    } else {
        Err(MapError::ReadOnly)
    };
    return_code(result)
}

/// `r0` for a result: 0, or the negative errno as a 64-bit two's complement value.
fn return_code(result: Result<(), MapError>) -> u64 {
    match result {
        Ok(()) => 0,
        Err(error) => error.errno() as u64,
    }
}
