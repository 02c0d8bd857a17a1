//! The soundness harness: thousands of generated programs, biased toward the edges the
//! verifier must get right. Every program the verifier accepts must run in the checked
//! interpreter, on random buffers, without a fault and within the worst-case instruction
//! count the verifier stated. Also: the verifier never panics on arbitrary instructions.
//!
//! Seeded and bounded, so it runs the same every time; `RINGFENCE_SOUNDNESS_PROGRAMS=N`
//! runs more (the cargo-fuzz target `verify_then_run` runs it for as long as you like).

mod support;

use ringfence_isa::{assemble, decode, encode, Insn, TABLE};
use ringfence_verifier::{verify, VerifierConfig};
use ringfence_vm::{conformance_program_type, CheckedInterpreter, Config, Helpers};
use support::gen::{program, Rng};

fn n_programs() -> u64 {
    std::env::var("RINGFENCE_SOUNDNESS_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn accepted_programs_never_fault_nor_exceed_their_bound() {
    let helpers = Helpers::conformance();
    let mut rng = Rng::new(20_240_719);
    let (mut accepted, mut rejected) = (0u64, 0u64);
    let mut failures = Vec::new();
    for n in 0..n_programs() {
        let generated = program(&mut rng);
        let insns = match assemble("generated.s", &generated.asm) {
            Ok(p) => p.insns,
            Err(e) => panic!(
                "generator wrote invalid assembly:\n{}\n{}",
                generated.asm,
                e.render()
            ),
        };
        let prog_type = conformance_program_type(generated.mem_len as u64);
        let Ok(verified) = verify(&insns, &prog_type, &VerifierConfig::default()) else {
            rejected += 1;
            continue;
        };
        accepted += 1;
        let bound = verified.worst_case_insns();
        let config = Config {
            max_insns: bound.saturating_add(1),
            ..Config::default()
        };
        let interpreter = CheckedInterpreter::new(&insns, &helpers, config);
        for _ in 0..4 {
            let mut mem: Vec<u8> = (0..generated.mem_len).map(|_| rng.next() as u8).collect();
            let args = [mem.as_ptr() as u64, mem.len() as u64, 0, 0, 0];
            let regions = vec![ringfence_vm::MemoryRegion::read_write(
                ringfence_vm::RegionKind::Input,
                &mut mem,
            )];
            match interpreter.run(args, regions) {
                Ok(outcome) if outcome.n_insns_executed <= bound => {}
                Ok(outcome) => failures.push(format!(
                    "program {n}: ran {} instructions, above the stated bound {bound}\n{}",
                    outcome.n_insns_executed, generated.asm
                )),
                Err(fault) => failures.push(format!(
                    "program {n}: accepted but faulted: {fault}\n{}",
                    generated.asm
                )),
            }
            if !failures.is_empty() {
                break;
            }
        }
        if failures.len() >= 3 {
            break;
        }
    }
    eprintln!("soundness: {accepted} accepted, {rejected} rejected");
    assert!(failures.is_empty(), "UNSOUND:\n{}", failures.join("\n\n"));
    assert!(
        accepted * 10 >= n_programs(),
        "the generator should make at least 10% verifiable programs, got {accepted}"
    );
}

#[test]
fn verifier_never_panics_on_arbitrary_instructions() {
    let mut rng = Rng::new(7);
    let prog_type = conformance_program_type(16);
    let mut accepted = 0;
    for _ in 0..20_000 {
        // Random rows of the table with random operands in the fields each row uses.
        let mut insns = Vec::new();
        for _ in 0..1 + rng.below(12) {
            let info = &TABLE[rng.below(TABLE.len() as u64) as usize];
            let mut insn = Insn::new(info.op);
            if info.form.uses_dst() {
                insn.dst = rng.below(11) as u8;
            }
            if info.form.uses_src() {
                insn.src = rng.below(11) as u8;
            }
            if info.form.uses_off() {
                insn.off = if rng.chance(70) {
                    rng.below(16) as i16 - 8
                } else {
                    rng.next() as i16
                };
            }
            if info.form.uses_imm() {
                insn.imm = if rng.chance(70) {
                    rng.below(32) as i64 - 16
                } else {
                    rng.next() as i32 as i64
                };
            }
            insns.push(insn);
            if insn.n_slots() == 2 {
                insns.push(Insn::lddw_tail_of(insn));
            }
        }
        if rng.chance(50) {
            insns.push(Insn::new(ringfence_isa::Op::Exit));
        }
        // What the verifier sees is exactly what decoding such bytes gives (a few operand
        // combinations the decoder refuses, such as a map index above 32 bits, are skipped).
        let Ok(insns) = decode(&encode(&insns)) else {
            continue;
        };
        if verify(&insns, &prog_type, &VerifierConfig::default()).is_ok() {
            accepted += 1;
        }
    }
    eprintln!("random instructions: {accepted} of 20000 programs accepted");
}
