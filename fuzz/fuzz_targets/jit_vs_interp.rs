//! The engines agree, for long runs: arbitrary bytes decoded as instructions (the rest of the
//! input starts the buffer), verified as a `mem` program of a fixed length, then run in the
//! checked interpreter, the fast interpreter, the JIT and the JIT's checked mode, which must
//! give the same `r0` (or the same error) and the same buffer. `vm/tests/differential.rs`
//! (`random_instruction_streams_agree`) runs the same property on a seeded, bounded set;
//! the property itself is `vm/tests/support/agree.rs::check_input`, shared by both.
#![no_main]

#[path = "../../vm/tests/support/agree.rs"]
#[allow(dead_code)]
mod agree;

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    if let Err(disagreement) = agree::check_input(input) {
        panic!("the engines disagree: {disagreement}");
    }
});
