//! The BTF reader never panics: every input is parsed or refused with a `BtfError`, and every
//! query on what parses answers or errs.
#![no_main]

use ringfence_vm::btf::{Btf, BtfExt};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let (btf_bytes, ext_bytes) = bytes.split_at(bytes.len() / 2);
    if let Ok(btf) = Btf::parse(btf_bytes) {
        let _ = btf.map_defs();
        let _ = BtfExt::parse(ext_bytes, &btf);
    }
});
