//! The soundness property, for long runs: the verifier never panics on arbitrary bytes, and a
//! program it accepts runs in the checked interpreter without a fault and within the stated
//! worst case. `tests/soundness.rs` runs the same property on a seeded, bounded set.
#![no_main]

use ringfence_verifier::{verify, VerifierConfig};
use ringfence_vm::{conformance_program_type, CheckedInterpreter, Config, Helpers};

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    let Some((&mem_len, rest)) = input.split_first() else { return };
    let (code, mem_init) = rest.split_at(rest.len() - rest.len() % 8);
    let Ok(insns) = ringfence_isa::decode(code) else { return };
    let prog_type = conformance_program_type(mem_len as u64);
    let Ok(verified) = verify(&insns, &prog_type, &VerifierConfig::default()) else { return };
    // A program may state a worst case of billions of instructions (a counted loop from a
    // large constant), which holds but takes minutes to run: as `tests/soundness.rs`, run
    // only those that finish in well under a second.
    if verified.worst_case_insns() > 5_000_000 {
        return;
    }
    let config = Config { max_insns: verified.worst_case_insns() + 1, ..Config::default() };
    let interpreter = CheckedInterpreter::new(verified.insns(), &Helpers::conformance(), config);
    let mut mem: Vec<u8> = (0..mem_len as usize).map(|i| mem_init.get(i).copied().unwrap_or(0)).collect();
    if let Err(fault) = interpreter.run_mem(&mut mem) {
        panic!("accepted program faulted: {fault}");
    }
});
