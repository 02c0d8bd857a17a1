//! The fast interpreter against the checked interpreter (the oracle): same `r0` (or the same
//! error) and the same final memory, on
//!
//! - every program of the bpf_conformance suite (`../shared/conformance/tests`), verified as
//!   a `mem` program of its buffer's length with helper 5 (`unwind`); the programs the
//!   verifier rejects cannot run in the fast interpreter and are listed in
//!   [`REJECTED_BY_THE_VERIFIER`];
//! - every program the verifier's own cases accept (`verifier/tests/cases/*.s` with
//!   `# verdict: accept`), over seeded random buffers (and random events for `# type: event`),
//!   with helpers that read and write program memory.
//!
//! The checked interpreter runs with a budget of exactly the verifier's worst case, so these
//! tests also check that bound on every run.

use std::path::{Path, PathBuf};

use ringfence_isa::assemble;
use ringfence_verifier::{
    verify, Access as FieldAccess, ArgKind, ContextLayout, HelperSig, MapDef, ProgramType, RetKind,
    ReturnRange, VerifiedProgram, VerifierConfig,
};
use ringfence_vm::fast::MapsMismatch;
use ringfence_vm::maps::{
    helper_delete, helper_lookup, helper_update, Map, MapDef as VmMapDef, Maps,
};
use ringfence_vm::rule::program_type::linux_helpers;
use ringfence_vm::{
    conformance_program_type, CheckedInterpreter, Config, FastInterpreter, FastRunError, Helper,
    HelperError, Helpers, MemoryRegion, RegionKind, RunError, RunErrorKind, Scratch,
};

/// Conformance programs the verifier rejects, so that the fast interpreter never runs them.
/// Update this list when the verifier changes (it is what the final report cites).
const REJECTED_BY_THE_VERIFIER: &[&str] = &[];

fn workspace_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A section of a conformance file (`-- asm`, `-- mem`, `-- result`).
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

/// The checked interpreter with a budget of exactly the verifier's worst case.
fn oracle(program: &VerifiedProgram, helpers: &Helpers) -> CheckedInterpreter {
    let config = Config {
        max_insns: program.worst_case_insns(),
        ..Config::default()
    };
    CheckedInterpreter::new(program.insns(), helpers, config)
}

/// Runs a `mem` program in both engines on copies of `mem`; `Err` describes a difference.
fn compare_mem(
    program: &VerifiedProgram,
    helpers: &Helpers,
    mem: &[u8],
) -> Result<Result<u64, RunError>, String> {
    let checked = oracle(program, helpers);
    let fast = FastInterpreter::new(program, helpers);
    let mut checked_mem = mem.to_vec();
    let mut fast_mem = mem.to_vec();
    let want = checked.run_mem(&mut checked_mem);
    let got = fast.run_mem(&mut fast_mem).map_err(|error| match error {
        FastRunError::Run(error) => error,
        other => panic!("run_mem refused a buffer of the verified length: {other}"),
    });
    if want != got {
        return Err(format!("checked: {want:?}\nfast:    {got:?}"));
    }
    if checked_mem != fast_mem {
        return Err(format!(
            "same result {want:?}, different memory:\nchecked: {checked_mem:02x?}\nfast:    {fast_mem:02x?}"
        ));
    }
    Ok(want)
}

#[test]
fn conformance_programs_give_the_checked_interpreters_results() {
    let dir = workspace_dir().join("../shared/conformance/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("../shared/conformance/tests is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 313, "the suite changed size");
    let helpers = Helpers::conformance();
    let mut rejected = Vec::new();
    let mut failures = Vec::new();
    let mut n_run = 0;
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
        let verified = match verify(&program.insns, &prog_type, &VerifierConfig::default()) {
            Ok(verified) => verified,
            Err(error) => {
                rejected.push(format!("{name}: {}", error.kind.name()));
                continue;
            }
        };
        n_run += 1;
        match compare_mem(&verified, &helpers, &mem) {
            Err(why) => failures.push(format!("{name}: {why}")),
            Ok(result) => {
                let expected = section(&text, "result")
                    .map(|r| u64::from_str_radix(r.trim().trim_start_matches("0x"), 16).unwrap());
                if let (Ok(r0), Some(expected)) = (&result, expected) {
                    if *r0 != expected {
                        failures.push(format!("{name}: r0 {r0:#x}, the suite says {expected:#x}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{n_run} conformance programs run in both engines; {} rejected by the verifier:\n{}",
        rejected.len(),
        rejected.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    let rejected_names: Vec<&str> = rejected
        .iter()
        .map(|r| r.split(':').next().unwrap())
        .collect();
    assert_eq!(rejected_names, REJECTED_BY_THE_VERIFIER);
}

// ---- The verifier's accepted cases, on random inputs ---------------------------------------

/// A small seeded generator (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// The helpers the verifier's cases call (see verifier/tests/cases.rs), with deterministic
/// bodies: 5 `unwind`, 6 `trace(mem, size)` (sums the bytes), 7 `prandom` (a constant), 100
/// `fill(mem, size)` (writes a pattern). Number 1, `map_lookup_elem`, is added over real
/// maps for the cases that use maps ([`compare_mem_with_case_maps`]).
fn case_helpers() -> Helpers {
    Helpers::conformance()
        .with(
            6,
            Helper::new("trace", |memory, [ptr, size, ..]| {
                let bytes = memory.read(ptr, size)?;
                Ok(bytes.iter().map(|&b| b as u64).sum())
            }),
        )
        .with(7, Helper::new("prandom", |_, _| Ok(0x1234_5678)))
        .with(
            100,
            Helper::new("fill", |memory, [ptr, size, ..]| {
                let bytes = memory.write_slice(ptr, size)?;
                for (i, byte) in bytes.iter_mut().enumerate() {
                    *byte = (i as u8).wrapping_mul(37).wrapping_add(1);
                }
                if size == 0 {
                    return Err(HelperError::Failed("empty".to_string()));
                }
                Ok(size)
            }),
        )
}

/// The program type of the verifier's cases, as verifier/tests/cases.rs declares it.
fn case_prog_type(text: &str) -> ProgramType {
    use ArgKind::*;
    let base = match header(text, "type") {
        Some("event") => {
            let layout = ContextLayout::new(32)
                .field("pid", 0, 4, FieldAccess::Read)
                .field("uid", 4, 4, FieldAccess::Read)
                .field("verdict", 8, 8, FieldAccess::ReadWrite)
                .data_area(16, 24, 256);
            ProgramType::with_context("event", layout, ReturnRange { min: 0, max: 1 })
        }
        _ => ProgramType::mem(header(text, "mem-len").map_or(0, |v| v.parse().unwrap())),
    };
    base.with_helper(
        1,
        HelperSig::new("map_lookup_elem", &[Map, MapKey], RetKind::NullableMapValue),
    )
    .with_helper(5, HelperSig::new("unwind", &[Scalar], RetKind::Scalar))
    .with_helper(
        6,
        HelperSig::new("trace", &[MemRead, Size], RetKind::Scalar),
    )
    .with_helper(7, HelperSig::new("prandom", &[], RetKind::Scalar))
    .with_helper(
        100,
        HelperSig::new("fill", &[MemWrite, Size], RetKind::Scalar),
    )
}

fn case_config() -> VerifierConfig {
    let map = |key_size, value_size, read_only| MapDef {
        key_size,
        value_size,
        read_only,
    };
    VerifierConfig {
        maps: vec![map(4, 16, false), map(4, 8, true)],
        ..VerifierConfig::default()
    }
}

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .find_map(|l| l.trim_start().strip_prefix('#')?.trim().strip_prefix(key))
        .map(|v| v.trim_start_matches(':').trim())
}

/// An event of the cases' event type: a 32-byte context (pid, uid, verdict, then `data` and
/// `data_end`, filled in per run) and a data area of up to 256 bytes.
struct Event {
    context: Vec<u8>,
    data: Vec<u8>,
}

impl Event {
    fn zero() -> Event {
        Event {
            context: vec![0; 32],
            data: Vec::new(),
        }
    }

    fn random(rng: &mut Rng) -> Event {
        let data_len = (rng.next() % 257) as usize;
        Event {
            context: rng.bytes(32),
            data: rng.bytes(data_len),
        }
    }
}

/// Runs an event program in both engines on copies of `event`.
fn compare_event(
    program: &VerifiedProgram,
    helpers: &Helpers,
    event: &Event,
) -> Result<Result<u64, RunError>, String> {
    let checked = oracle(program, helpers);
    let fast = FastInterpreter::new(program, helpers);

    let (mut checked_context, checked_data) = (event.context.clone(), event.data.clone());
    let data = checked_data.as_ptr() as u64;
    checked_context[16..24].copy_from_slice(&data.to_le_bytes());
    checked_context[24..32].copy_from_slice(&(data + checked_data.len() as u64).to_le_bytes());
    let context = checked_context.as_ptr() as u64;
    let want = checked
        .run(
            [context, 0, 0, 0, 0],
            vec![
                MemoryRegion::read_write(RegionKind::Context, &mut checked_context),
                MemoryRegion::read_only(RegionKind::ReadOnlyData, &checked_data),
            ],
        )
        .map(|outcome| outcome.return_value);

    let (mut fast_context, fast_data) = (event.context.clone(), event.data.clone());
    let data = fast_data.as_ptr() as u64;
    fast_context[16..24].copy_from_slice(&data.to_le_bytes());
    fast_context[24..32].copy_from_slice(&(data + fast_data.len() as u64).to_le_bytes());
    let args = [fast_context.as_ptr() as u64, 0, 0, 0, 0];
    // SAFETY: the program was verified for the event type above: `r1` is the address of a
    // writable 32-byte context region, whose `data` and `data_end` fields delimit the whole
    // data region (at most 256 bytes, read-only, as the program type declares); no region
    // is shared.
    let got = unsafe {
        fast.run(
            args,
            vec![
                MemoryRegion::read_write(RegionKind::Context, &mut fast_context),
                MemoryRegion::read_only(RegionKind::ReadOnlyData, &fast_data),
            ],
        )
    };

    if want != got {
        return Err(format!("checked: {want:?}\nfast:    {got:?}"));
    }
    // Bytes 16..32 hold each run's own pointers.
    if checked_context[..16] != fast_context[..16] {
        return Err(format!(
            "same result {want:?}, different context:\nchecked: {checked_context:02x?}\nfast:    {fast_context:02x?}"
        ));
    }
    Ok(want)
}

fn verifier_cases() -> Vec<(String, String)> {
    let dir = workspace_dir().join("verifier/tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "s"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path: &PathBuf| {
            let name = Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            (name, std::fs::read_to_string(path).unwrap())
        })
        .filter(|(_, text)| header(text, "verdict") == Some("accept"))
        .collect()
}

#[test]
fn the_verifiers_accepted_cases_agree_on_random_inputs() {
    const RUNS_PER_CASE: usize = 24;
    let helpers = case_helpers();
    let cases = verifier_cases();
    assert!(cases.len() >= 50, "only {} accepted cases", cases.len());
    let mut rng = Rng(0x5eed_f457_1e7e_5eed);
    let mut failures = Vec::new();
    let mut n_ok = 0;
    let mut errors: std::collections::BTreeMap<String, usize> = Default::default();
    for (name, text) in &cases {
        let program = assemble(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let prog_type = case_prog_type(text);
        let verified = match verify(&program.insns, &prog_type, &case_config()) {
            Ok(verified) => verified,
            Err(error) => {
                failures.push(format!("{name}: marked accept, but rejected: {error}"));
                continue;
            }
        };
        let is_event = header(text, "type") == Some("event");
        let mem_len: usize = header(text, "mem-len").map_or(0, |v| v.parse().unwrap());
        // Long-running cases (a million iterations) take seconds in the debug build; loops
        // bounded only by input data (worst cases of 2^32 or 2^64) run on zeros only.
        let n_runs = match verified.worst_case_insns() {
            0..=100_000 => RUNS_PER_CASE,
            100_001..=10_000_000 => 3,
            _ => 1,
        };
        for run in 0..n_runs {
            let result = if is_event {
                let event = match run {
                    0 => Event::zero(),
                    _ => Event::random(&mut rng),
                };
                compare_event(&verified, &helpers, &event)
            } else {
                // Some runs with edge bytes only, the rest random.
                let mem = match run {
                    0 => vec![0; mem_len],
                    1 => vec![0xff; mem_len],
                    2 => vec![0x80; mem_len],
                    _ => rng.bytes(mem_len),
                };
                if verified.insns().iter().any(is_map_reference) {
                    compare_mem_with_case_maps(&verified, &mem)
                } else {
                    compare_mem(&verified, &helpers, &mem)
                }
            };
            match result {
                Ok(Ok(_)) => n_ok += 1,
                Ok(Err(error)) => *errors.entry(error.kind.name().to_string()).or_default() += 1,
                Err(why) => {
                    failures.push(format!("{name} (run {run}): {why}"));
                    break;
                }
            }
        }
    }
    eprintln!(
        "{} accepted cases: {n_ok} runs with the same result, runs ending in the same error: {errors:?}",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Whether `insn` refers to a map.
fn is_map_reference(insn: &ringfence_isa::Insn) -> bool {
    matches!(
        insn.op,
        ringfence_isa::Op::LddwMapFd | ringfence_isa::Op::LddwMapValue
    )
}

/// Maps matching [`case_config`]: 0 a hash map of 16-byte values holding keys 0 and 1, 1 a
/// read-only array of 8-byte values (index 0 set by the host).
fn case_maps() -> Maps {
    let hash = Map::new("hash", VmMapDef::hash(4, 16, 4)).unwrap();
    for key in 0u32..2 {
        let value: Vec<u8> = (0..16).map(|i| (i * 13 + key as u8 * 7) ^ 0x5a).collect();
        hash.update(&key.to_le_bytes(), &value, 0).unwrap();
    }
    let mut def = VmMapDef::array(8, 4);
    def.flags = ringfence_vm::maps::def::BPF_F_RDONLY_PROG;
    let array = Map::new("config", def).unwrap();
    array
        .update(&0u32.to_le_bytes(), &[9, 8, 7, 6, 5, 4, 3, 2], 0)
        .unwrap();
    Maps::new([hash, array])
}

/// [`compare_mem`] for a case that uses maps: each engine gets its own [`case_maps`] and
/// the case helpers with `map_lookup_elem` bound to them.
fn compare_mem_with_case_maps(
    program: &VerifiedProgram,
    mem: &[u8],
) -> Result<Result<u64, RunError>, String> {
    let (checked_maps, fast_maps) = (case_maps(), case_maps());
    let helpers = |maps: &Maps| {
        let maps = maps.clone();
        case_helpers().with(
            1,
            Helper::new("map_lookup_elem", move |memory, [map, key, ..]| {
                let map = maps
                    .get(map as usize)
                    .ok_or_else(|| HelperError::Failed(format!("no map {map}")))?;
                let key = memory.read(key, map.def().key_size as u64)?;
                Ok(helper_lookup(map, &key))
            }),
        )
    };
    let config = Config {
        max_insns: program.worst_case_insns(),
        ..Config::default()
    };
    let checked = CheckedInterpreter::with_maps(
        program.insns(),
        &helpers(&checked_maps),
        &checked_maps,
        config,
    );
    let fast = FastInterpreter::with_maps(program, &helpers(&fast_maps), &fast_maps)
        .map_err(|e| e.to_string())?;
    let (mut checked_mem, mut fast_mem) = (mem.to_vec(), mem.to_vec());
    let args = [checked_mem.as_ptr() as u64, mem.len() as u64, 0, 0, 0];
    let mut regions = vec![MemoryRegion::read_write(
        RegionKind::Input,
        &mut checked_mem,
    )];
    regions.extend(map_regions(&checked_maps));
    let want = checked.run(args, regions).map(|o| o.return_value);
    let got = fast.run_mem(&mut fast_mem).map_err(|error| match error {
        FastRunError::Run(error) => error,
        other => panic!("run_mem refused a buffer of the verified length: {other}"),
    });
    if want != got || checked_mem != fast_mem {
        return Err(format!(
            "checked: {want:?} {checked_mem:02x?}\nfast:    {got:?} {fast_mem:02x?}"
        ));
    }
    for (a, b) in checked_maps.iter().zip(fast_maps.iter()) {
        let (mut a_entries, mut b_entries) = (a.entries(), b.entries());
        a_entries.sort();
        b_entries.sort();
        if a_entries != b_entries {
            return Err(format!("map `{}` differs", a.name()));
        }
    }
    Ok(want)
}

// ---- The entry contract ------------------------------------------------------------------

fn verified(source: &str, prog_type: &ProgramType) -> VerifiedProgram {
    let program = assemble("t.s", source).unwrap();
    verify(&program.insns, prog_type, &VerifierConfig::default()).unwrap()
}

#[test]
fn run_mem_refuses_a_buffer_of_another_length() {
    let program = verified("ldxb %r0, [%r1+7]\nexit", &ProgramType::mem(8));
    let fast = FastInterpreter::new(&program, &Helpers::new());
    let mut mem = [0u8, 1, 2, 3, 4, 5, 6, 7];
    assert_eq!(fast.run_mem(&mut mem), Ok(7));
    assert_eq!(
        fast.run_mem(&mut mem[..4]),
        Err(FastRunError::WrongMemLen {
            verified_len: 8,
            given_len: 4
        })
    );
    let mut longer = [0u8; 9];
    assert!(matches!(
        fast.run_mem(&mut longer),
        Err(FastRunError::WrongMemLen { .. })
    ));
}

#[test]
fn run_mem_refuses_a_program_of_another_type() {
    let layout = ContextLayout::new(8).field("x", 0, 8, FieldAccess::Read);
    let prog_type = ProgramType::with_context("ctx", layout, ReturnRange::ANY);
    let program = verified("ldxdw %r0, [%r1]\nexit", &prog_type);
    let fast = FastInterpreter::new(&program, &Helpers::new());
    assert_eq!(
        fast.run_mem(&mut [0u8; 8]),
        Err(FastRunError::NotMem {
            prog_type: "ctx".to_string()
        })
    );
}

#[test]
fn the_interpreter_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FastInterpreter>();
    let program = verified(
        "mov %r0, 0\nmov %r2, 0\nloop:\nmov %r3, %r1\nadd %r3, %r2\nldxb %r4, [%r3]\nadd %r0, %r4\nadd %r2, 1\njlt %r2, 64, loop\nexit",
        &ProgramType::mem(64),
    );
    let fast = FastInterpreter::new(&program, &Helpers::new());
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let fast = &fast;
            scope.spawn(move || {
                let mut mem = [t; 64];
                for _ in 0..100 {
                    assert_eq!(fast.run_mem(&mut mem), Ok(64 * t as u64));
                }
            });
        }
    });
}

#[test]
fn runs_allocate_the_frames_the_call_graph_needs() {
    let frames = |source: &str| {
        FastInterpreter::new(&verified(source, &ProgramType::mem(0)), &Helpers::new()).n_frames()
    };
    assert_eq!(frames("mov %r0, 0\nexit"), 1);
    assert_eq!(frames("call local f\nexit\nf:\nmov %r0, 1\nexit"), 2);
    let chain = "call local f1\nexit\nf1:\ncall local f2\nexit\nf2:\ncall local f3\nexit\n\
                 f3:\ncall local f4\nexit\nf4:\ncall local f5\nexit\nf5:\ncall local f6\nexit\n\
                 f6:\ncall local f7\nexit\nf7:\nmov %r0, 7\nexit";
    assert_eq!(frames(chain), 8);
    // Two calls of one function from main, and a deeper chain behind a branch.
    let branches = "mov %r0, 0\ncall local f\ncall local f\njeq %r0, 0, skip\ncall local g\n\
                    skip:\nexit\nf:\nmov %r0, 1\nexit\ng:\ncall local f\nexit";
    assert_eq!(frames(branches), 3);
}

#[test]
fn helpers_see_the_stack_window_of_the_calling_frame() {
    // A local call writes its own frame through a helper, then reads it back directly; the
    // caller's frame is untouched.
    let source = "
        stdw [%r10-8], 7
        call local f
        ldxdw %r1, [%r10-8]
        add %r0, %r1
        exit
    f:
        mov %r1, %r10
        add %r1, -16
        mov %r2, 16
        call 100
        ldxdw %r0, [%r10-8]
        exit";
    let program = assemble("t.s", source).unwrap();
    let verified = verify(
        &program.insns,
        &case_prog_type("# mem-len: 0"),
        &case_config(),
    )
    .unwrap();
    let result = compare_mem(&verified, &case_helpers(), &[]).unwrap();
    assert!(result.is_ok(), "{result:?}");
}

// ---- Superinstructions -------------------------------------------------------------------

/// Buffers of 16 bytes (two u64 operands) mixing edge values, for the programs below.
fn edge_buffers() -> Vec<Vec<u8>> {
    let edges: [u64; 9] = [
        0,
        1,
        7,
        0xff,
        0xffff_ffff,
        u64::MAX,
        i64::MIN as u64,
        i64::MAX as u64,
        0x8000_0000,
    ];
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut buffers = Vec::new();
    for &a in &edges {
        for &b in &edges {
            let mut buffer = a.to_le_bytes().to_vec();
            buffer.extend_from_slice(&b.to_le_bytes());
            buffers.push(buffer);
        }
    }
    buffers.extend((0..16).map(|_| rng.bytes(16)));
    buffers
}

/// Runs `source` (verified as a 16-byte `mem` program) on every edge buffer in both engines.
fn agree_on_edges(source: &str) {
    let program = assemble("t.s", source).unwrap_or_else(|e| panic!("{source}\n{e}"));
    let verified = verify(
        &program.insns,
        &ProgramType::mem(16),
        &VerifierConfig::default(),
    )
    .unwrap_or_else(|e| panic!("{source}\n{e}"));
    for mem in edge_buffers() {
        let result = compare_mem(&verified, &Helpers::new(), &mem)
            .unwrap_or_else(|why| panic!("{source}\non {mem:02x?}:\n{why}"));
        assert!(result.is_ok(), "{source}: {result:?}");
    }
}

#[test]
fn loop_latch_superinstructions_agree() {
    let conds = [
        "jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset",
    ];
    for cond in conds {
        for (operand, add) in [
            ("7", "1"),
            ("-1", "-1"),
            ("%r2", "0x7fffffff"),
            ("%r2", "-8"),
        ] {
            // Also jump straight to the second half of the pair, past the `add`.
            let source = format!(
                "ldxdw %r2, [%r1+8]
                ldxdw %r3, [%r1+0]
                mov %r0, 0
                jset %r2, 1, second
                add %r3, {add}
            second:
                {cond} %r3, {operand}, taken
                mov %r0, 2
            taken:
                add %r0, %r3
                exit"
            );
            agree_on_edges(&source);
        }
    }
    // A real loop, counting in r0.
    agree_on_edges(
        "mov %r0, 0
        mov %r2, 0
    loop:
        add %r0, 3
        add %r2, 1
        jlt %r2, 100, loop
        exit",
    );
}

#[test]
fn load_then_compare_superinstructions_agree() {
    for load in ["ldxb", "ldxh", "ldxw", "ldxdw"] {
        for cond in ["jeq", "jne", "jeq32", "jne32"] {
            for constant in ["0", "7", "255", "-1", "0x7fffffff", "-0x80000000"] {
                let source = format!(
                    "mov %r0, 0
                    ldxdw %r3, [%r1+8]
                    jset %r3, 1, second
                    {load} %r2, [%r1+0]
                second:
                    {cond} %r2, {constant}, taken
                    mov %r0, 1
                taken:
                    add %r0, %r2
                    exit"
                );
                agree_on_edges(&source);
            }
        }
    }
}

#[test]
fn mov_then_alu_superinstructions_agree() {
    let ops = [
        "add %r4, 5",
        "add %r4, -5",
        "sub %r4, 3",
        "mul %r4, -3",
        "or %r4, 0x70",
        "and %r4, -16",
        "xor %r4, -1",
        "lsh %r4, 63",
        "rsh %r4, 29",
        "arsh %r4, 63",
        "add %r4, %r5",
        "sub %r4, %r5",
        "add %r4, %r3",
    ];
    for op in ops {
        let source = format!(
            "ldxdw %r3, [%r1+0]
            ldxdw %r5, [%r1+8]
            mov %r4, 11
            jset %r5, 1, second
            mov %r4, %r3
        second:
            {op}
            mov %r0, %r4
            exit"
        );
        agree_on_edges(&source);
    }
}

/// A short run touching memory in every way the interpreter can, with helper calls in
/// between, small enough for Miri: `cargo +nightly miri test -p ringfence-vm --test fast --
/// miri` checks the aliasing argument of the module documentation (pointers exposed again
/// after each helper call) under Stacked Borrows, and with `-Zmiri-tree-borrows` under Tree
/// Borrows.
#[test]
fn miri_every_kind_of_access_around_helper_calls() {
    let source = "
        stdw [%r10-8], 5
        ldxdw %r6, [%r10-8]
        stxw [%r1+0], %r6
        mov %r7, %r1
        mov %r1, %r10
        add %r1, -16
        mov %r2, 16
        call 100
        ldxb %r3, [%r10-16]
        stxb [%r7+4], %r3
        mov %r4, 1
        lock add [%r10-8], %r4
        lock fetch add32 [%r7+4], %r4
        mov %r1, %r7
        mov %r2, 8
        call 6
        add %r0, %r6
        mov %r1, %r7
        call local f
        ldxdw %r5, [%r10-8]
        add %r0, %r5
        exit
    f:
        stdw [%r10-8], 3
        mov %r6, %r1
        mov %r1, %r10
        add %r1, -8
        mov %r2, 8
        call 100
        ldxdw %r0, [%r10-8]
        ldxb %r4, [%r6+0]
        add %r0, %r4
        exit";
    let program = assemble("t.s", source).unwrap();
    let verified = verify(
        &program.insns,
        &case_prog_type("# mem-len: 8"),
        &case_config(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let result = compare_mem(&verified, &case_helpers(), &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    assert!(result.is_ok(), "{result:?}");
    // The same through `run` and its regions.
    let fast = FastInterpreter::new(&verified, &case_helpers());
    let mut mem = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let args = [mem.as_ptr() as u64, 8, 0, 0, 0];
    // SAFETY: the program was verified as a `mem` program of 8 bytes: `r1` is the address of
    // the only region, 8 writable bytes, and `r2` is 8.
    let got = unsafe {
        fast.run(
            args,
            vec![MemoryRegion::read_write(RegionKind::Input, &mut mem)],
        )
    };
    assert_eq!(got, result);
}

// ---- Maps --------------------------------------------------------------------------------

/// The maps of the map tests, fresh: 0 a hash map (4-byte keys, 16-byte values, 8 entries),
/// 1 an array (16-byte values, 4 entries), 2 read-only global data (12 bytes).
fn test_maps() -> Maps {
    let rodata: Vec<u8> = (1..=12).collect();
    Maps::new([
        Map::new("hash", VmMapDef::hash(4, 16, 8)).unwrap(),
        Map::new("array", VmMapDef::array(16, 4)).unwrap(),
        Map::global_data(".rodata", true, &rodata).unwrap(),
    ])
}

/// What the verifier knows of [`test_maps`].
fn test_maps_config(maps: &Maps) -> VerifierConfig {
    VerifierConfig {
        maps: maps
            .iter()
            .map(|map| MapDef {
                key_size: map.def().key_size,
                value_size: map.def().value_size,
                read_only: !map.def().writable_by_programs(),
            })
            .collect(),
        ..VerifierConfig::default()
    }
}

/// Linux's map helpers (1 to 3) bound to `maps`, as the rule helpers bind them.
fn map_helpers(maps: &Maps) -> Helpers {
    fn map_at(maps: &Maps, handle: u64) -> Result<&Map, HelperError> {
        maps.get(handle as usize)
            .map(|map| &**map)
            .ok_or_else(|| HelperError::Failed(format!("no map {handle}")))
    }
    let (m1, m2, m3) = (maps.clone(), maps.clone(), maps.clone());
    Helpers::conformance()
        .with(
            1,
            Helper::new("map_lookup_elem", move |memory, [map, key, ..]| {
                let map = map_at(&m1, map)?;
                let key = memory.read(key, map.def().key_size as u64)?;
                Ok(helper_lookup(map, &key))
            }),
        )
        .with(
            2,
            Helper::new(
                "map_update_elem",
                move |memory, [map, key, value, flags, _]| {
                    let map = map_at(&m2, map)?;
                    let key = memory.read(key, map.def().key_size as u64)?;
                    let value = memory.read(value, map.def().value_size as u64)?;
                    Ok(helper_update(map, &key, &value, flags))
                },
            ),
        )
        .with(
            3,
            Helper::new("map_delete_elem", move |memory, [map, key, ..]| {
                let map = map_at(&m3, map)?;
                let key = memory.read(key, map.def().key_size as u64)?;
                Ok(helper_delete(map, &key))
            }),
        )
}

/// A `mem` program type of `len` bytes with the map helpers.
fn map_prog_type(len: u64) -> ProgramType {
    linux_helpers()
        .into_iter()
        .filter(|(id, _)| (1..=3).contains(id))
        .fold(ProgramType::mem(len), |t, (id, sig)| t.with_helper(id, sig))
}

/// The maps' values as the checked interpreter's shared regions.
fn map_regions(maps: &Maps) -> Vec<MemoryRegion<'_>> {
    maps.regions()
        .into_iter()
        .zip(maps.iter())
        .map(|(region, map)| {
            MemoryRegion::shared(
                region.kind,
                map.value_words(),
                region.len as usize,
                region.writable,
            )
        })
        .collect()
}

/// Runs `source` (a 16-byte `mem` program over [`test_maps`]) on each of `buffers` in turn
/// in both engines, each with its own maps; compares `r0` (or the error), the buffer after
/// each run and every map's entries at the end. Returns the results.
fn agree_with_maps(source: &str, buffers: &[[u8; 16]]) -> Vec<Result<u64, RunError>> {
    let (checked_maps, fast_maps) = (test_maps(), test_maps());
    let program = assemble("t.s", source).unwrap_or_else(|e| panic!("{source}\n{e}"));
    let verified = verify(
        &program.insns,
        &map_prog_type(16),
        &test_maps_config(&checked_maps),
    )
    .unwrap_or_else(|e| panic!("{source}\n{e}"));
    let config = Config {
        max_insns: verified.worst_case_insns(),
        ..Config::default()
    };
    let checked = CheckedInterpreter::with_maps(
        verified.insns(),
        &map_helpers(&checked_maps),
        &checked_maps,
        config,
    );
    let fast = FastInterpreter::with_maps(&verified, &map_helpers(&fast_maps), &fast_maps).unwrap();
    let mut results = Vec::new();
    for (i, buffer) in buffers.iter().enumerate() {
        let (mut checked_mem, mut fast_mem) = (*buffer, *buffer);
        let args = [checked_mem.as_ptr() as u64, 16, 0, 0, 0];
        let mut regions = vec![MemoryRegion::read_write(
            RegionKind::Input,
            &mut checked_mem,
        )];
        regions.extend(map_regions(&checked_maps));
        let want = checked.run(args, regions).map(|o| o.return_value);
        let got = fast.run_mem(&mut fast_mem).map_err(|error| match error {
            FastRunError::Run(error) => error,
            other => panic!("{other}"),
        });
        // The engines' maps live at different addresses: faults are compared by instruction,
        // kind and offset from the nearest region.
        let norm = |r: &Result<u64, RunError>| match r {
            Ok(v) => Ok(*v),
            Err(e) => Err(match &e.kind {
                RunErrorKind::OutOfBounds {
                    addr,
                    size,
                    nearest: Some(n),
                    ..
                } => format!(
                    "{} OutOfBounds {size} at {} of {} {:?}",
                    e.insn_idx,
                    addr.wrapping_sub(n.region.base),
                    n.region.kind,
                    n.miss
                ),
                kind => format!("{} {kind}", e.insn_idx),
            }),
        };
        assert_eq!(norm(&want), norm(&got), "{source}\nrun {i}");
        assert_eq!(
            checked_mem, fast_mem,
            "{source}\nrun {i}: the buffers differ"
        );
        results.push(want);
    }
    for (idx, (a, b)) in checked_maps.iter().zip(fast_maps.iter()).enumerate() {
        let (mut a, mut b) = (a.entries(), b.entries());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{source}\nmap {idx} differs");
    }
    results
}

fn map_buffers() -> Vec<[u8; 16]> {
    let mut rng = Rng(0x3a95_0f1e_77c2_d001);
    let mut buffers = vec![[0u8; 16], [0xff; 16], [1; 16]];
    for _ in 0..24 {
        let mut b = [0u8; 16];
        b.copy_from_slice(&rng.bytes(16));
        buffers.push(b);
    }
    buffers
}

#[test]
fn map_lookup_update_delete_agree_with_the_checked_interpreter() {
    // Key buf[0] & 7 in the hash map: update with the buffer as the value (flags from
    // buf[1] & 3, so some fail), look it up, maybe delete it (buf[2] & 1), and return the
    // update's result, the lookup's first word and the delete's result.
    let source = "
        r6 = r1
        r7 = *(u8 *)(r6 + 0)
        r7 &= 7
        *(u32 *)(r10 - 4) = r7
        r1 = *(u64 *)(r6 + 0)
        *(u64 *)(r10 - 24) = r1
        r1 = *(u64 *)(r6 + 8)
        *(u64 *)(r10 - 16) = r1
        r4 = *(u8 *)(r6 + 1)
        r4 &= 3
        r1 = map_fd(0) ll
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -24
        call 2
        r8 = r0
        r1 = map_fd(0) ll
        r2 = r10
        r2 += -4
        call 1
        r9 = 0
        if r0 == 0 goto miss
        r9 = *(u64 *)(r0 + 0)
        r1 = *(u32 *)(r0 + 3)
        *(u32 *)(r6 + 0) = r1
        *(u16 *)(r0 + 13) = r7
    miss:
        r1 = *(u8 *)(r6 + 2)
        r1 &= 1
        if r1 == 0 goto keep
        r1 = map_fd(0) ll
        r2 = r10
        r2 += -4
        call 3
        r8 += r0
    keep:
        r0 = r8
        r0 ^= r9
        exit";
    let results = agree_with_maps(source, &map_buffers());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[test]
fn atomics_and_unaligned_accesses_on_map_values_agree() {
    // Array entry buf[0] & 3: every atomic of both sizes (at aligned offsets: the verifier
    // refuses others), unaligned loads and stores, and `map_value` references into the array
    // and the read-only data.
    let source = "
        r6 = r1
        r7 = *(u8 *)(r6 + 0)
        r7 &= 3
        *(u32 *)(r10 - 4) = r7
        r1 = map_fd(1) ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto out
        r8 = r0
        r2 = *(u64 *)(r6 + 8)
        lock *(u64 *)(r8 + 0) += r2
        r3 = *(u64 *)(r6 + 0)
        r3 = atomic_fetch_xor((u64 *)(r8 + 8), r3)
        r4 = 0x55
        lock *(u32 *)(r8 + 4) |= w4
        w4 = atomic_fetch_and((u32 *)(r8 + 12), w4)
        r5 = 3
        w5 = atomic_fetch_add((u32 *)(r8 + 8), w5)
        r1 = 9
        r1 = xchg_64(r8 + 8, r1)
        r0 = *(u64 *)(r8 + 0)
        r2 = 77
        r0 = cmpxchg_64(r8 + 0, r0, r2)
        w0 = *(u32 *)(r8 + 4)
        r2 = 1
        w0 = cmpxchg32_32(r8 + 12, w0, w2)
        r2 = *(u32 *)(r8 + 5)
        *(u16 *)(r8 + 9) = r3
        r9 = *(u64 *)(r8 + 1)
        r1 = map_value(1, 6) ll
        r2 = *(u16 *)(r1 + 0)
        *(u32 *)(r1 + 1) = r2
        r1 = map_value(2, 1) ll
        r1 = *(u32 *)(r1 + 0)
        r9 += r1
        r9 += r0
        r9 ^= r3
        r9 += r4
        r9 += r5
        *(u64 *)(r6 + 0) = r9
        r0 = r9
    out:
        exit";
    let results = agree_with_maps(source, &map_buffers());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[test]
fn an_atomic_straddling_two_words_of_a_map_value_is_refused_by_the_verifier() {
    // No hardware atomic spans two 8-byte words: the verifier requires atomics aligned (the
    // interpreters' fault for an unverified one is in `tests/faults.rs`).
    let source = "
        r1 = map_value(1, 0) ll
        r2 = 1
        lock *(u32 *)(r1 + 6) += w2
        r0 = 0
        exit";
    let maps = test_maps();
    let program = assemble("t.s", source).unwrap();
    let error = verify(&program.insns, &map_prog_type(16), &test_maps_config(&maps)).unwrap_err();
    assert_eq!(error.insn_idx, 3, "{error}");
    assert_eq!(error.kind.name(), "MisalignedAtomic", "{error}");
}

#[test]
fn with_maps_refuses_maps_other_than_the_verified_ones() {
    let maps = test_maps();
    let program = assemble("t.s", "r0 = 0\nexit").unwrap();
    let verified = verify(&program.insns, &map_prog_type(16), &test_maps_config(&maps)).unwrap();
    let fewer = Maps::new([Map::new("hash", VmMapDef::hash(4, 16, 8)).unwrap()]);
    assert_eq!(
        FastInterpreter::with_maps(&verified, &Helpers::new(), &fewer).unwrap_err(),
        MapsMismatch::Count {
            verified: 3,
            given: 1
        }
    );
    let bigger = Maps::new([
        Map::new("hash", VmMapDef::hash(4, 16, 8)).unwrap(),
        Map::new("array", VmMapDef::array(32, 4)).unwrap(),
        Map::global_data(".rodata", true, &[0; 12]).unwrap(),
    ]);
    let error = FastInterpreter::with_maps(&verified, &Helpers::new(), &bigger).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("map 1 (`array`) has value size 32"),
        "{error}"
    );
    let writable = Maps::new([
        Map::new("hash", VmMapDef::hash(4, 16, 8)).unwrap(),
        Map::new("array", VmMapDef::array(16, 4)).unwrap(),
        Map::global_data(".data", false, &[0; 12]).unwrap(),
    ]);
    assert!(FastInterpreter::with_maps(&verified, &Helpers::new(), &writable).is_err());
    assert!(FastInterpreter::with_maps(&verified, &Helpers::new(), &maps).is_ok());
}

#[test]
fn atomics_on_a_map_value_are_atomic_across_threads() {
    // Four threads add 1 to the same counters a thousand times each: through an aligned
    // 8-byte hardware atomic, and through a 4-byte one in the second half of a word. No
    // increment may be lost.
    let maps = test_maps();
    let source = "
        r1 = map_value(1, 0) ll
        r2 = 1
        lock *(u64 *)(r1 + 0) += r2
        lock *(u32 *)(r1 + 12) += w2
        r3 = *(u64 *)(r1 + 0)
        r0 = 0
        exit";
    let program = assemble("t.s", source).unwrap();
    let verified = verify(&program.insns, &map_prog_type(16), &test_maps_config(&maps)).unwrap();
    let fast = FastInterpreter::with_maps(&verified, &map_helpers(&maps), &maps).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let mut mem = [0u8; 16];
                for _ in 0..1000 {
                    assert_eq!(fast.run_mem(&mut mem), Ok(0));
                }
            });
        }
    });
    let value = maps.get(1).unwrap().get(&0u32.to_le_bytes()).unwrap();
    assert_eq!(u64::from_le_bytes(value[0..8].try_into().unwrap()), 4000);
    assert_eq!(u32::from_le_bytes(value[12..16].try_into().unwrap()), 4000);
}

#[test]
fn run_context_establishes_the_entry_contract() {
    // The cases' event type: `data`/`data_end` at 16 and 24, at most 256 bytes of data.
    let prog_type = case_prog_type("# type: event");
    // Reads the last data byte through the data pointers and a context field.
    let source = "
        r2 = *(u64 *)(r1 + 16)
        r3 = *(u64 *)(r1 + 24)
        r0 = 0
        r4 = r2
        r4 += 1
        if r4 > r3 goto out
        r0 = *(u8 *)(r2 + 0)
        r5 = *(u32 *)(r1 + 0)
        r0 ^= r5
        r0 &= 1
    out:
        exit";
    let program = assemble("t.s", source).unwrap();
    // A layout with a writable field (`verdict`): the context is passed writable.
    let verified = verify(&program.insns, &prog_type, &case_config()).unwrap();
    let fast = FastInterpreter::new(&verified, &case_helpers());
    let mut scratch = Scratch::new();
    let mut fixed = [0u8; 32];
    fixed[0] = 40;
    // Whatever `data`/`data_end` say in `fixed`, the run points them at `data`.
    fixed[16..32].fill(0xee);
    assert_eq!(fast.run_context(&fixed, &[3, 7], &mut scratch, None), Ok(1));
    assert_eq!(fast.run_context(&fixed, &[2, 7], &mut scratch, None), Ok(0));
    assert_eq!(fast.run_context(&fixed, &[], &mut scratch, None), Ok(0));
    let bad = |result: Result<u64, RunError>| match result {
        Err(RunError {
            kind: RunErrorKind::BadInput { reason },
            ..
        }) => reason,
        other => panic!("{other:?}"),
    };
    let reason = bad(fast.run_context(&fixed[..24], &[], &mut scratch, None));
    assert!(reason.contains("32 bytes, not 24"), "{reason}");
    let reason = bad(fast.run_context(&fixed, &[0; 257], &mut scratch, None));
    assert!(reason.contains("257 bytes"), "{reason}");
    let mem = verified_mem_program();
    let fast = FastInterpreter::new(&mem, &Helpers::new());
    bad(fast.run_context(&fixed, &[], &mut scratch, None));
}

fn verified_mem_program() -> VerifiedProgram {
    verified("r0 = 0\nexit", &ProgramType::mem(4))
}

#[test]
fn a_map_lookup_result_outside_the_programs_maps_is_refused() {
    // Helpers bound to other maps than the interpreter's (or any helper returning a bogus
    // pointer for `map_lookup_elem`): the result is checked before the program may use it.
    let maps = test_maps();
    let source = "
        *(u32 *)(r10 - 4) = 0
        r1 = map_fd(1) ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto out
        r1 = 1
        *(u64 *)(r0 + 0) = r1
        r0 = 1
    out:
        exit";
    let program = assemble("t.s", source).unwrap();
    let verified = verify(&program.insns, &map_prog_type(16), &test_maps_config(&maps)).unwrap();
    let good = FastInterpreter::with_maps(&verified, &map_helpers(&maps), &maps).unwrap();
    assert_eq!(good.run_mem(&mut [0; 16]), Ok(1));
    let other = test_maps();
    let fast = FastInterpreter::with_maps(&verified, &map_helpers(&other), &maps).unwrap();
    let error = match fast.run_mem(&mut [0; 16]) {
        Err(FastRunError::Run(error)) => error,
        other => panic!("{other:?}"),
    };
    assert_eq!(error.insn_idx, 5);
    assert!(
        error
            .to_string()
            .contains("neither 0 nor the start of a value of map 1"),
        "{error}"
    );
    assert_eq!(other.get(1).unwrap().get(&[0; 4]).unwrap(), vec![0; 16]);
}
