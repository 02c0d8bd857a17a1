//! Decoding never panics, and what decodes encodes back to the same bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(insns) = ringfence_isa::decode(bytes) {
        assert_eq!(ringfence_isa::encode(&insns), bytes);
    }
});
