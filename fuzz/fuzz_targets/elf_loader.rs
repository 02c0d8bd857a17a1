//! The ELF loader never panics: every input is loaded or refused with a `LoadError`.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let _ = ringfence_vm::elf::load_object(bytes);
});
