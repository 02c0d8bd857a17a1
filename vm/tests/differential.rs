//! Differential tests: the checked interpreter (the oracle), the fast interpreter, the JIT
//! (from the `VerifiedProgram`) and the JIT's checked mode must agree on `r0` (or the error's
//! kind and instruction) and on the buffer after the run, for
//!
//! - a few thousand seeded generated programs (`tests/support/gen.rs`, half of them with
//!   every instruction family enabled) that the verifier accepts, each on three buffers;
//!   `RINGFENCE_DIFFERENTIAL_PROGRAMS=N` runs N instead;
//! - every program of the bpf_conformance suite (`../shared/conformance/tests`);
//! - every example rule object (`examples/rules`, `examples/packs/endpoint`) on every sample
//!   event of `examples/events`, in order, where they must also agree on alerts, trace
//!   output and the maps' final contents;
//! - seeded streams of random instructions, the bounded twin of the cargo-fuzz target
//!   `jit_vs_interp` (same property, `support/agree.rs::check_input`).
//!
//! rbpf 0.4.1's interpreter is a third opinion on the programs it executes correctly: not
//! those with atomics, signed division or modulo, sign-extending moves or loads, `gotol`,
//! `bswap`, a 64-bit unsigned comparison with a negative immediate (rbpf zero-extends it),
//! helper calls (rbpf's helpers cannot end the program the way the suite's helper 5
//! does), or a 64-bit `neg` (rbpf negates with `-(x as i64)`, which panics on `i64::MIN` in
//! a debug build); it also does not set `r2`, so its copy starts with `r2 = len`. Each test prints
//! how many programs each engine compared and why the others were left to the three
//! engines.

#[path = "support/agree.rs"]
#[allow(dead_code)]
mod agree;
#[path = "../../tests/support/gen.rs"]
#[allow(dead_code)]
mod gen;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ringfence_isa::{
    assemble, encode, AluOp, AtomicOp, ByteOrder, CallKind, Cond, Insn, Op, Semantics, Source,
    Width, TABLE,
};
use ringfence_verifier::{verify, VerifiedProgram, VerifierConfig};
use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig};
use ringfence_vm::{conformance_program_type, Backend, Helpers, RunState, Scratch};

use agree::{check_input, Engines};
use gen::{program_with, Options, Rng};

/// Why rbpf 0.4.1 cannot be compared on `insns`, if it cannot.
fn rbpf_exclusion(insns: &[Insn]) -> Option<&'static str> {
    for insn in insns.iter().filter(|i| !i.is_lddw_tail()) {
        let reason = match insn.semantics() {
            Semantics::Atomic { .. } => "atomics",
            Semantics::Alu {
                op: AluOp::SDiv | AluOp::SMod,
                ..
            } => "sdiv/smod",
            Semantics::MovSx { .. } => "movsx",
            Semantics::Load { signed: true, .. } => "ldsx",
            Semantics::Goto { long: true } => "gotol",
            Semantics::Endian {
                order: ByteOrder::Swap,
                ..
            } => "bswap",
            Semantics::Branch {
                cond: Cond::Eq | Cond::Ne | Cond::Gt | Cond::Ge | Cond::Lt | Cond::Le,
                width: Width::W64,
                source: Source::Imm,
            } if insn.imm < 0 => "64-bit jump with a negative immediate",
            Semantics::Call {
                kind: CallKind::Helper | CallKind::Register,
            } => "helper calls",
            // `-(x as i64)` in rbpf's interpreter panics on i64::MIN in a debug build.
            Semantics::Neg { width: Width::W64 } => "neg64",
            _ => continue,
        };
        return Some(reason);
    }
    None
}

/// rbpf's run of `insns` on a copy of `mem`, with `r2 = len` prepended (rbpf sets only `r1`).
fn rbpf_run(insns: &[Insn], mem: &[u8]) -> Result<(u64, Vec<u8>), String> {
    let mut program = vec![Insn::new(Op::Mov64Imm).dst(2).imm(mem.len() as i64)];
    program.extend_from_slice(insns);
    let bytes = encode(&program);
    let vm = rbpf::EbpfVmRaw::new(Some(&bytes)).map_err(|e| format!("rbpf refused: {e}"))?;
    let mut mem = mem.to_vec();
    let r0 = vm
        .execute_program(&mut mem)
        .map_err(|e| format!("rbpf failed: {e}"))?;
    Ok((r0, mem))
}

/// Counts of what a test compared.
#[derive(Debug, Default)]
struct Tally {
    runs: usize,
    programs: usize,
    rbpf_programs: usize,
    rbpf_runs: usize,
    rbpf_excluded: BTreeMap<&'static str, usize>,
    errors: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    /// Compares every engine on `verified` over `buffers`, and rbpf where it is correct.
    fn compare(&mut self, name: &str, verified: &VerifiedProgram, buffers: &[Vec<u8>]) {
        let engines = match Engines::new(verified, &Helpers::conformance()) {
            Ok(engines) => engines,
            Err(why) => {
                self.failures.push(format!("{name}: {why}"));
                return;
            }
        };
        self.programs += 1;
        let rbpf = rbpf_exclusion(verified.insns());
        match rbpf {
            Some(reason) => *self.rbpf_excluded.entry(reason).or_default() += 1,
            None => self.rbpf_programs += 1,
        }
        for mem in buffers {
            self.runs += 1;
            let want = match engines.agree(mem) {
                Ok(want) => want,
                Err(why) => {
                    self.failures.push(format!("{name}: {why}"));
                    return;
                }
            };
            match &want.result {
                Ok(r0) if rbpf.is_none() => {
                    self.rbpf_runs += 1;
                    match rbpf_run(verified.insns(), mem) {
                        Ok((theirs, mem)) if theirs == *r0 && mem == want.mem => {}
                        other => {
                            self.failures.push(format!(
                                "{name}: rbpf differs from the three engines:\n  ours: {want:?}\n  rbpf: {other:?}"
                            ));
                            return;
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    let kind = error.split(": ").nth(1).unwrap_or(error);
                    *self.errors.entry(kind.to_string()).or_default() += 1;
                }
            }
        }
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} programs, {} runs, the same in the checked interpreter, the fast \
             interpreter, the JIT and the checked JIT (runs ending in the same error: {:?}); \
             rbpf 0.4.1 compared on {} programs ({} runs), left out of {}: {:?}",
            self.programs,
            self.runs,
            self.errors,
            self.rbpf_programs,
            self.rbpf_runs,
            self.programs - self.rbpf_programs,
            self.rbpf_excluded
        );
        assert!(
            self.failures.is_empty(),
            "{} disagreements:\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}

fn n_programs() -> u64 {
    std::env::var("RINGFENCE_DIFFERENTIAL_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn generated_programs_agree_in_every_engine() {
    let mut rng = Rng::new(0x00d1_ffe7_e571);
    let mut tally = Tally::default();
    let n = n_programs();
    for i in 0..n {
        // Every other program with every instruction family; the rest in the subset rbpf
        // runs correctly more often.
        let generated = program_with(
            &mut rng,
            Options {
                extended: i % 2 == 0,
            },
        );
        let insns = assemble("generated.s", &generated.asm)
            .unwrap_or_else(|e| panic!("{}\n{}", generated.asm, e.render()))
            .insns;
        let prog_type = conformance_program_type(generated.mem_len as u64);
        let Ok(verified) = verify(&insns, &prog_type, &VerifierConfig::default()) else {
            continue;
        };
        let len = generated.mem_len;
        let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let buffers = [vec![0; len], vec![0xff; len], random];
        tally.compare(
            &format!("program {i}\n{}", generated.asm),
            &verified,
            &buffers,
        );
        if tally.failures.len() >= 3 {
            break;
        }
    }
    tally.report(&format!("{n} generated programs"));
    assert!(
        tally.programs as u64 * 4 >= n,
        "only {} of {n} programs verified",
        tally.programs
    );
    assert!(
        tally.rbpf_programs * 10 >= tally.programs,
        "rbpf compared too few"
    );
}

/// A section of a conformance file (`-- asm`, `-- mem`).
fn section(text: &str, name: &str) -> Option<String> {
    let mut lines = text
        .lines()
        .skip_while(|l| l.trim() != format!("-- {name}"));
    lines.next()?;
    Some(
        lines
            .take_while(|l| !l.starts_with("-- "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[test]
fn conformance_programs_agree_in_every_engine() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/tests"
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("../shared/conformance/tests is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 313, "the suite changed size");
    let mut tally = Tally::default();
    let mut rejected = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let asm = section(&text, "asm").unwrap_or_default();
        let mem: Vec<u8> = section(&text, "mem")
            .unwrap_or_default()
            .split_whitespace()
            .map(|byte| u8::from_str_radix(byte, 16).unwrap())
            .collect();
        let program = assemble(&name, &asm).unwrap_or_else(|e| panic!("{name}: {e}"));
        let prog_type = conformance_program_type(mem.len() as u64);
        match verify(&program.insns, &prog_type, &VerifierConfig::default()) {
            Ok(verified) => tally.compare(&name, &verified, &[mem]),
            Err(error) => rejected.push(format!("{name}: {}", error.kind.name())),
        }
    }
    tally.report("the conformance suite");
    assert!(rejected.is_empty(), "rejected: {rejected:?}");
    assert_eq!(tally.programs, 313);
}

/// A random instruction of any row of the table, operands biased to what verifies.
fn random_insn(rng: &mut Rng, n_left: usize) -> Vec<Insn> {
    // Map references too: the program type has no maps, so one verifies only as dead code,
    // which every engine must compile and never reach.
    let info = rng.pick(TABLE);
    let imms = [
        0i64,
        1,
        2,
        7,
        8,
        16,
        31,
        63,
        64,
        -1,
        -8,
        0x7fff_ffff,
        -0x8000_0000,
    ];
    // Registers other than r1 (the buffer) and r10; memory through r1 or r10 at offsets
    // inside the 64-byte buffer or the initialised stack; jumps forward within the program.
    let dst = *rng.pick(&[0u8, 2, 3, 4, 5, 6, 7, 8, 9]);
    let mut insn = Insn::new(info.op)
        .dst(dst)
        .src(rng.below(11) as u8)
        .imm(*rng.pick(&imms));
    let base = *rng.pick(&[1u8, 10]);
    let mem_off = match base {
        1 => rng.below(57) as i16,
        _ => -8 - rng.below(57) as i16,
    };
    match insn.semantics() {
        Semantics::Goto { .. } | Semantics::Branch { .. } | Semantics::Call { .. } => {
            insn.off = rng.below(n_left as u64 + 1) as i16;
        }
        Semantics::Load { .. } => {
            insn.src = base;
            insn.off = mem_off;
        }
        Semantics::Store { .. } => {
            insn.dst = base;
            insn.src = *rng.pick(&[0u8, 2, 3, 4, 5, 6, 7, 8, 9]);
            insn.off = mem_off;
        }
        Semantics::Atomic { size, .. } => {
            insn.dst = base;
            insn.src = *rng.pick(&[0u8, 2, 3, 4, 5, 6, 7, 8, 9]);
            // Atomics verify only aligned to their size (both bases are 8-byte aligned).
            insn.off = mem_off & !(size.bytes() as i16 - 1);
        }
        _ => {}
    }
    match insn.semantics() {
        Semantics::Goto { long: true }
        | Semantics::Call {
            kind: CallKind::Local,
        } => {
            insn.imm = rng.below(n_left as u64 + 1) as i64;
        }
        Semantics::Call {
            kind: CallKind::Helper,
        } => insn.imm = 5,
        Semantics::Endian { .. } => insn.imm = *rng.pick(&[16i64, 32, 64]),
        Semantics::Atomic { op, .. } => {
            insn.imm = match op {
                AtomicOp::Add => 0x00,
                AtomicOp::Or => 0x40,
                AtomicOp::And => 0x50,
                AtomicOp::Xor => 0xa0,
                AtomicOp::FetchAdd => 0x01,
                AtomicOp::FetchOr => 0x41,
                AtomicOp::FetchAnd => 0x51,
                AtomicOp::FetchXor => 0xa1,
                AtomicOp::Xchg => 0xe1,
                AtomicOp::CmpXchg => 0xf1,
            }
        }
        _ => {}
    }
    if matches!(insn.semantics(), Semantics::LoadImm64 { .. }) {
        insn.imm = rng.next() as i64;
        return vec![insn, Insn::lddw_tail_of(insn)];
    }
    vec![insn]
}

/// Every input the fuzz target `jit_vs_interp` found a disagreement with, kept in
/// `vm/tests/data/fuzz/jit_vs_interp/` (one file per finding, named after it): the engines
/// now agree on each. `dead-write-to-r10.bin`: a write to r10 behind a branch the verifier
/// proves never taken, which the JIT refused to compile.
#[test]
fn the_fuzz_targets_findings_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz/jit_vs_interp");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no findings in {}", dir.display());
    for path in paths {
        let input = std::fs::read(&path).unwrap();
        match check_input(&input) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("{}: no longer verifies", path.display()),
            Err(why) => panic!("{}: {why}", path.display()),
        }
    }
}

/// The bounded, seeded twin of the fuzz target `jit_vs_interp`: short random instruction
/// streams (every row of the table, operands biased toward what verifies) after a prologue
/// that initialises the registers, run through the same `check_input`.
#[test]
fn random_instruction_streams_agree() {
    let mut rng = Rng::new(0x0f22_7a11);
    let (mut verified, mut tried, mut with_map_reference) = (0usize, 0usize, 0usize);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..12_000 {
        let n = 2 + rng.below(10) as usize;
        // Registers r0 and r2-r9 set, the 64 stack bytes below r10 zeroed.
        let mut insns: Vec<Insn> = (0..10)
            .filter(|&r| r != 1)
            .map(|r| Insn::new(Op::Mov64Imm).dst(r).imm(rng.below(64) as i64))
            .chain((1..=8).map(|k| Insn::new(Op::StDw).dst(10).off(-8 * k)))
            .collect();
        let prologue = insns.len();
        while insns.len() < prologue + n {
            let left = prologue + n - insns.len();
            insns.extend(random_insn(&mut rng, left));
        }
        insns.push(Insn::new(Op::Exit));
        let mut input = encode(&insns);
        input.extend((0..rng.below(70)).map(|_| rng.next() as u8));
        tried += 1;
        match check_input(&input) {
            Ok(None) => {}
            Ok(Some(outcome)) => {
                verified += 1;
                with_map_reference += usize::from(
                    insns
                        .iter()
                        .any(|i| matches!(i.op, Op::LddwMapFd | Op::LddwMapValue)),
                );
                let key = match outcome.result {
                    Ok(_) => "returned".to_string(),
                    Err(e) => e.split(": ").nth(1).unwrap_or_default().to_string(),
                };
                *outcomes.entry(key).or_default() += 1;
            }
            Err(why) => panic!("{why}\nprogram: {insns:?}"),
        }
    }
    eprintln!(
        "{tried} random instruction streams, {verified} verified and the same in every engine \
         ({with_map_reference} with a map reference, dead code): {outcomes:?}"
    );
    assert!(verified >= 400, "only {verified} streams verified");
    assert!(
        with_map_reference >= 5,
        "only {with_map_reference} verified streams hold a map reference"
    );
}

#[test]
fn rbpf_exclusions_name_the_instruction_family() {
    let reason = |source: &str| rbpf_exclusion(&assemble("t.s", source).unwrap().insns);
    assert_eq!(reason("r0 = 0\nexit"), None);
    assert_eq!(
        reason("if r1 == -1 goto +0\nr0 = 0\nexit"),
        Some("64-bit jump with a negative immediate")
    );
    assert_eq!(reason("if r1 s> -1 goto +0\nr0 = 0\nexit"), None);
    assert_eq!(reason("if w1 == -1 goto +0\nr0 = 0\nexit"), None);
    assert_eq!(reason("r0 = 0\nr0 s/= 3\nexit"), Some("sdiv/smod"));
    assert_eq!(reason("r0 = 0\ngotol +0\nexit"), Some("gotol"));
    // rbpf agrees where it is not excluded.
    let insns = assemble("t.s", "r0 = r2\nr0 += 1\nexit").unwrap().insns;
    assert_eq!(rbpf_run(&insns, &[0; 4]).unwrap().0, 5);
}

// ---- Rules -------------------------------------------------------------------------------

/// What one engine did with one rule object over every sample event: per (event, rule) the
/// verdict (or the error's kind), the alerts and the trace lines; then every map's entries.
fn rule_transcript(
    bytes: &[u8],
    backend: Backend,
    events: &[EventBuf],
    schemas: &SchemaSet,
) -> Result<Vec<String>, String> {
    let config = RuleConfig {
        backend,
        ..RuleConfig::default()
    };
    let object = load_rules(bytes, schemas, &config).map_err(|e| e.to_string())?;
    let mut scratch = Scratch::new();
    let mut transcript = Vec::new();
    for (n, event) in events.iter().enumerate() {
        for rule in object
            .rules
            .iter()
            .filter(|r| r.event_type == event.type_id())
        {
            // Deterministic helpers: a fixed clock per event and a fixed seed.
            let mut state = RunState {
                random: 0x9e37_79b9,
                clock_ns: Some(1_000_000_000 * n as u64),
                ..RunState::default()
            };
            let verdict = rule
                .evaluate_with(event, &mut scratch, Some(&mut state))
                .map_err(|e| e.kind.name());
            let alerts: Vec<(u32, Vec<u8>)> = state
                .alerts
                .alerts()
                .iter()
                .map(|a| (a.rule_id, a.payload().to_vec()))
                .collect();
            transcript.push(format!(
                "event {n}, rule {}: {verdict:?} alerts {alerts:?} trace {:?}",
                rule.name, state.trace
            ));
        }
    }
    for (idx, map) in object.maps.iter().enumerate() {
        let mut entries = map.entries();
        entries.sort();
        transcript.push(format!("map {idx} ({}): {entries:?}", map.name()));
    }
    Ok(transcript)
}

#[test]
fn example_rules_agree_in_every_engine_on_every_sample_event() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    // Every event of every sample file (rule cases carry theirs under "event"), in order.
    let mut event_files: Vec<PathBuf> = std::fs::read_dir(root.join("examples/events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    event_files.sort();
    let mut events = Vec::new();
    for path in &event_files {
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let event = value.get("event").unwrap_or(&value);
            let mut buf = EventBuf::new();
            encoder
                .encode_into(event, &mut buf)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            events.push(buf);
        }
    }
    let mut objects: Vec<PathBuf> = ["examples/rules", "examples/packs/endpoint"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    objects.sort();
    assert!(objects.len() >= 10, "{objects:?}");
    let (mut n_runs, mut failures) = (0, Vec::new());
    for path in &objects {
        let bytes = std::fs::read(path).unwrap();
        let want = rule_transcript(&bytes, Backend::Checked, &events, &schemas);
        for backend in [Backend::Interpreter, Backend::Jit] {
            let got = rule_transcript(&bytes, backend, &events, &schemas);
            if got != want {
                let first = match (&want, &got) {
                    (Ok(want), Ok(got)) => want
                        .iter()
                        .zip(got)
                        .find(|(w, g)| w != g)
                        .map(|(w, g)| format!("checked: {w}\n{backend}: {g}"))
                        .unwrap_or_else(|| "different lengths".to_string()),
                    _ => format!("checked: {want:?}\n{backend}: {got:?}"),
                };
                failures.push(format!("{}: {first}", path.display()));
            }
        }
        n_runs += want.map_or(0, |t| t.len());
    }
    eprintln!(
        "{} rule objects on {} events: {n_runs} rule runs and final map states the same in \
         the checked interpreter, the fast interpreter and the JIT",
        objects.len(),
        events.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
