//! Verification time: ringfence's verifier beside PREVAIL (the `prevail` crate 0.2.6, a Rust
//! port of the PREVAIL abstract-interpretation verifier), and ringfence alone on generated
//! programs of 1k, 10k and 100k instructions.
//!
//! What is measured:
//! - `peer/<program>`: the same bytecode verified by both. For ringfence, one call of
//!   [`ringfence_verifier::verify`] with program type `mem(len)` (`r1` points to a buffer of
//!   `len` bytes). For PREVAIL, unmarshalling, building the CFG and the forward analysis
//!   (`unmarshal` + `Program::from_sequence` + `fwd_analyzer::analyze`), with `r1` a context
//!   pointer of the same `len` bytes. `prevail` has termination checking on
//!   (`check_for_termination`), as ringfence always proves termination; `prevail-no-term`
//!   is PREVAIL's default configuration, which does not. The programs are conformance
//!   programs (../shared/conformance/tests) that touch no memory but the stack, and loops
//!   written here that read the buffer behind bounds both verifiers can prove (loops tested
//!   at the top: PREVAIL 0.2.6 cannot bound the index of a loop tested at the bottom, as
//!   `sum_bytes_do_while` shows). Before measuring, each program must be accepted by both;
//!   one that either side rejects is printed with the reason and skipped.
//! - `scale/<shape>/<n>`: generated programs of exactly n instructions (1k, 10k, 100k):
//!   repeated blocks of bounds-checked buffer loads through a pointer plus a masked scalar,
//!   ALU, forward conditional jumps and stack spills and reloads (`straight`); the same with
//!   a 16-iteration loop over the buffer every 100 instructions (`loops`). Throughput is
//!   in instructions, so criterion's `thrpt` is instructions verified per second: equal
//!   throughput across sizes means linear growth. Every program is verified once, timed,
//!   before criterion measures it. PREVAIL runs (termination checking on; if it rejects the
//!   program so, `prevail-no-term`) where one verification is predicted, linearly from the
//!   previous size, to take at most 1.5 s, and is measured by criterion when that first run
//!   does. With `VERIFY_BENCH_SLOW=1` it also runs, once and timed, up to a predicted 60 s
//!   (PREVAIL grows faster than linearly: that can take minutes). Skips are printed.
//!
//! Run: `cargo bench -p ringfence-verifier --bench verify` (a few minutes), or a subset with a
//! criterion filter, e.g. `cargo bench -p ringfence-verifier --bench verify -- scale`.
//! `VERIFY_BENCH_SURVEY=1 cargo bench -p ringfence-verifier --bench verify` instead prints
//! both verdicts on every conformance program (to choose peer programs) and measures nothing;
//! `VERIFY_BENCH_CHECK=<file.s>:<buffer bytes>` prints both verdicts on one assembly file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use prevail::crab::ebpf_domain::DomainContext;
use prevail::crab::var_registry::VariableRegistry;
use prevail::fwd_analyzer;
use prevail::ir::program::Program;
use prevail::ir::unmarshal;
use prevail::linux::linux_platform::LinuxPlatform;
use prevail::spec::config::EbpfVerifierOptions;
use prevail::spec::ebpf_base::EbpfCtxDescriptor;
use prevail::spec::type_descriptors::{EbpfProgramType, ProgramInfo};
use prevail::spec::vm_isa::EbpfInst;
use ringfence_isa::{assemble, encode, Insn};
use ringfence_verifier::{verify, ArgKind, HelperSig, ProgramType, VerifierConfig};

/// Conformance programs compared: stack-only ALU, jumps, a loop, local calls, atomics.
const CONFORMANCE: &[&str] = &[
    "prime.data",
    "call_local.data",
    "alu64-arith.data",
    "rfc9669_lock_cmpxchg64.data",
    "rfc9669_jsgt.data",
];

/// Sums the 256 bytes of the buffer by index.
const SUM_BYTES: &str = "
    mov %r0, 0
    mov %r6, 0
loop:
    jge %r6, 256, out
    mov %r4, %r1
    add %r4, %r6
    ldxb %r3, [%r4+0]
    add %r0, %r3
    add %r6, 1
    ja loop
out:
    exit
";

/// [`SUM_BYTES`] with the test at the bottom (a do-while loop, as compilers emit it):
/// PREVAIL rejects it, so it only shows up as a skip message.
const SUM_BYTES_DO_WHILE: &str = "
    mov %r0, 0
    mov %r6, 0
loop:
    mov %r4, %r1
    add %r4, %r6
    ldxb %r3, [%r4+0]
    add %r0, %r3
    add %r6, 1
    jlt %r6, 256, loop
    exit
";

/// Counts the 16-byte records of a 256-byte buffer whose u32 tag is 0x1234, whose u16
/// length is at most 1024 and whose flags byte has bit 0 clear.
const PARSE_RECORDS: &str = "
    mov %r0, 0
    mov %r6, 0
loop:
    jgt %r6, 240, out
    mov %r4, %r1
    add %r4, %r6
    ldxw %r5, [%r4+0]
    ldxh %r7, [%r4+4]
    ldxb %r8, [%r4+6]
    add %r6, 16
    jne %r5, 0x1234, loop
    jgt %r7, 1024, loop
    jset %r8, 1, loop
    add %r0, 1
    ja loop
out:
    exit
";

/// A histogram of the top 3 bits of the 64 bytes of the buffer, in eight u64 counters on the
/// stack (a variable stack offset); returns the count of the top bucket.
const HISTOGRAM: &str = "
    mov %r0, 0
    stxdw [%r10-8], %r0
    stxdw [%r10-16], %r0
    stxdw [%r10-24], %r0
    stxdw [%r10-32], %r0
    stxdw [%r10-40], %r0
    stxdw [%r10-48], %r0
    stxdw [%r10-56], %r0
    stxdw [%r10-64], %r0
    mov %r6, 0
loop:
    jge %r6, 64, out
    mov %r4, %r1
    add %r4, %r6
    ldxb %r3, [%r4+0]
    rsh %r3, 5
    lsh %r3, 3
    mov %r5, %r10
    add %r5, %r3
    ldxdw %r7, [%r5-64]
    add %r7, 1
    stxdw [%r5-64], %r7
    add %r6, 1
    ja loop
out:
    ldxdw %r0, [%r10-8]
    exit
";

/// The Internet checksum of the 64-byte buffer: a ones' complement sum of 16-bit words,
/// folded twice.
const CHECKSUM: &str = "
    mov %r0, 0
    mov %r6, 0
loop:
    jgt %r6, 62, fold
    mov %r4, %r1
    add %r4, %r6
    ldxh %r3, [%r4+0]
    add %r0, %r3
    add %r6, 2
    ja loop
fold:
    mov %r3, %r0
    rsh %r3, 16
    and %r0, 0xffff
    add %r0, %r3
    mov %r3, %r0
    rsh %r3, 16
    and %r0, 0xffff
    add %r0, %r3
    xor %r0, 0xffff
    exit
";

/// Buffer size of the generated scaling programs.
const SCALE_BUFFER: u64 = 256;

/// PREVAIL runs under criterion at a size where one verification takes at most this long...
const PREVAIL_LIMIT: Duration = Duration::from_millis(1500);

/// ...is timed once where one verification is predicted (linearly from the previous size) to
/// take at most this long, and is skipped beyond.
const PREVAIL_ONE_RUN_LIMIT: Duration = Duration::from_secs(60);

/// PREVAIL's verifier with its platform and program type built once.
struct Prevail {
    platform: LinuxPlatform,
    program_type: EbpfProgramType,
    options: EbpfVerifierOptions,
}

impl Prevail {
    /// A program type whose `r1` is a context of `ctx_size` bytes without packet fields.
    fn new(ctx_size: u64, check_for_termination: bool) -> Prevail {
        // `EbpfProgramType` wants a `'static` descriptor; one leak per program is fine.
        let ctx: &'static EbpfCtxDescriptor = Box::leak(Box::new(EbpfCtxDescriptor {
            size: i32::try_from(ctx_size).expect("context size fits i32"),
            data: -1,
            end: -1,
            meta: -1,
        }));
        let program_type = EbpfProgramType {
            name: "ringfence_mem".to_string(),
            ctx_descriptor: Some(ctx),
            platform_specific_data: 0,
            section_prefixes: vec![],
            is_privileged: false,
            is_sleepable: false,
        };
        let mut platform = LinuxPlatform::new();
        platform.conformance_groups |= 0x80; // callx
        platform.set_program_type(&program_type);
        let mut options = EbpfVerifierOptions::default();
        options.runtime.check_for_termination = check_for_termination;
        Prevail {
            platform,
            program_type,
            options,
        }
    }

    /// Verifies `insts`: `Ok(())` or the first error.
    fn verify(&self, insts: &[EbpfInst]) -> Result<(), String> {
        let mut info = ProgramInfo {
            program_type: self.program_type.clone(),
            ..ProgramInfo::default()
        };
        let mut notes = Vec::new();
        let seq = unmarshal::unmarshal(insts, &mut notes, &info, &self.platform, &self.options)
            .map_err(|e| format!("unmarshal: {e}"))?;
        let prog = Program::from_sequence(&seq, &mut info, &self.platform, &self.options)
            .map_err(|e| format!("control flow: {e}"))?;
        let ctx = DomainContext {
            program_info: &info,
            program: &prog,
            runtime: &self.options.runtime,
            options: &self.options,
            platform: &self.platform,
        };
        let result = fwd_analyzer::analyze(&prog, &ctx, &mut VariableRegistry::new());
        if result.failed {
            Err(result
                .find_first_error()
                .map_or_else(|| "failed".to_string(), |e| e.to_string()))
        } else {
            Ok(())
        }
    }
}

/// PREVAIL's instruction structs for ringfence's encoding of `insns`.
fn prevail_insts(insns: &[Insn]) -> Vec<EbpfInst> {
    encode(insns)
        .chunks_exact(8)
        .map(|c| EbpfInst {
            opcode: c[0],
            dst_src: c[1],
            offset: i16::from_le_bytes([c[2], c[3]]),
            imm: i32::from_le_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect()
}

/// A program and the buffer (for PREVAIL: context) size it runs with.
struct Bench {
    name: String,
    insns: Vec<Insn>,
    len: u64,
}

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/tests")
}

fn section(data: &str, name: &str) -> Option<String> {
    let mut lines = data
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

/// A conformance program; its buffer is its `-- mem` section, or 64 bytes (PREVAIL's
/// conformance context size) when it has none.
fn conformance(path: &Path) -> Bench {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let asm = section(&data, "asm").expect("an asm section");
    let mem = section(&data, "mem").map_or(0, |m| m.split_whitespace().count() as u64);
    let prog = assemble(&name, &asm).unwrap_or_else(|e| panic!("{}", e.render()));
    Bench {
        name: name.trim_end_matches(".data").to_string(),
        insns: prog.insns,
        len: if mem == 0 { 64 } else { mem },
    }
}

fn written(name: &str, source: &str, len: u64) -> Bench {
    let prog = assemble(name, source).unwrap_or_else(|e| panic!("{}", e.render()));
    Bench {
        name: name.to_string(),
        insns: prog.insns,
        len,
    }
}

/// Ringfence's program type for a buffer of `len` bytes, with the conformance suite's
/// helper 5.
fn mem_type(len: u64) -> ProgramType {
    ProgramType::mem(len).with_helper(
        5,
        HelperSig::new(
            "unwind",
            &[ArgKind::Scalar],
            ringfence_verifier::RetKind::Scalar,
        ),
    )
}

fn ringfence_verdict(b: &Bench) -> Result<(), String> {
    verify(&b.insns, &mem_type(b.len), &VerifierConfig::default())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn peers(c: &mut Criterion) {
    let mut programs: Vec<Bench> = CONFORMANCE
        .iter()
        .map(|f| conformance(&conformance_dir().join(f)))
        .collect();
    programs.push(written("sum_bytes", SUM_BYTES, 256));
    programs.push(written("sum_bytes_do_while", SUM_BYTES_DO_WHILE, 256));
    programs.push(written("parse_records", PARSE_RECORDS, 256));
    programs.push(written("histogram", HISTOGRAM, 64));
    programs.push(written("checksum", CHECKSUM, 64));

    for b in &programs {
        let ptype = mem_type(b.len);
        let config = VerifierConfig::default();
        let insts = prevail_insts(&b.insns);
        let prevail_term = Prevail::new(b.len, true);
        let prevail_plain = Prevail::new(b.len, false);
        let verdicts = [
            ("ringfence", ringfence_verdict(b)),
            ("prevail", prevail_term.verify(&insts)),
            ("prevail-no-term", prevail_plain.verify(&insts)),
        ];
        let rejected: Vec<String> = verdicts
            .iter()
            .filter_map(|(who, v)| {
                v.as_ref()
                    .err()
                    .map(|e| format!("{who}: {}", first_line(e)))
            })
            .collect();
        if !rejected.is_empty() {
            println!(
                "peer/{}: skipped, rejected by {}",
                b.name,
                rejected.join("; ")
            );
            continue;
        }

        let mut group = c.benchmark_group(format!("peer/{}", b.name));
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(2))
            .warm_up_time(Duration::from_millis(500));
        group.bench_function(BenchmarkId::new("ringfence", b.insns.len()), |bench| {
            bench.iter(|| verify(black_box(&b.insns), &ptype, &config).is_ok())
        });
        group.bench_function(BenchmarkId::new("prevail", b.insns.len()), |bench| {
            bench.iter(|| prevail_term.verify(black_box(&insts)).is_ok())
        });
        group.bench_function(
            BenchmarkId::new("prevail-no-term", b.insns.len()),
            |bench| bench.iter(|| prevail_plain.verify(black_box(&insts)).is_ok()),
        );
        group.finish();
    }
}

/// A generated program of exactly `n` instructions over a buffer of [`SCALE_BUFFER`] bytes:
/// blocks of 15 instructions (a byte load, a mask, a load through the pointer plus the
/// masked byte, a forward branch, a spill and a reload), and with `loops` a loop of 16
/// iterations reading the buffer every 100 instructions.
fn generate(n: usize, loops: bool) -> Vec<Insn> {
    let mut text = String::new();
    let mut count = 0usize;
    fn emit(text: &mut String, line: String) {
        text.push_str(&line);
        text.push('\n');
    }
    // Prologue: r0 = 0 and 16 initialised stack slots (17 instructions).
    emit(&mut text, "mov %r0, 0".to_string());
    count += 1;
    for slot in 1..=16 {
        emit(&mut text, format!("stxdw [%r10-{}], %r0", 8 * slot));
        count += 1;
    }
    let mut next_loop = 0;
    let mut k = 0usize;
    loop {
        if loops && count >= next_loop && count + 8 + 15 < n {
            // A counted loop summing 16 bytes of the buffer (8 instructions), tested at the
            // top: PREVAIL cannot bound the index of a loop tested at the bottom.
            emit(&mut text, "mov %r7, 0".to_string());
            emit(&mut text, format!("l{k}:"));
            emit(&mut text, format!("jge %r7, 16, d{k}"));
            emit(&mut text, "mov %r4, %r1".to_string());
            emit(&mut text, "add %r4, %r7".to_string());
            emit(&mut text, format!("ldxb %r3, [%r4+{}]", (k * 13) % 240));
            emit(&mut text, "add %r0, %r3".to_string());
            emit(&mut text, "add %r7, 1".to_string());
            emit(&mut text, format!("ja l{k}"));
            emit(&mut text, format!("d{k}:"));
            count += 8;
            next_loop += 100;
        }
        if count + 15 >= n {
            break;
        }
        // The masked byte is at most 127, and 127 + 120 + 8 <= 256.
        let lines = [
            format!("ldxb %r3, [%r1+{}]", (k * 37) % 248),
            format!("add %r3, {}", k % 97),
            "and %r3, 127".to_string(),
            "mov %r4, %r1".to_string(),
            "add %r4, %r3".to_string(),
            format!("ldxdw %r5, [%r4+{}]", (k * 11) % 121),
            format!("jgt %r5, {k}, e{k}"),
            "add %r0, %r5".to_string(),
            format!("ja j{k}"),
            format!("e{k}:"),
            "sub %r0, %r3".to_string(),
            format!("j{k}:"),
            format!("stxdw [%r10-{}], %r0", 8 * (1 + k % 16)),
            format!("ldxdw %r6, [%r10-{}]", 8 * (1 + (k + 5) % 16)),
            "xor %r0, %r6".to_string(),
            "rsh %r0, 1".to_string(),
            "mul %r0, 3".to_string(),
        ];
        for line in lines {
            emit(&mut text, line);
        }
        count += 15;
        k += 1;
    }
    while count + 1 < n {
        emit(&mut text, "add %r0, 1".to_string());
        count += 1;
    }
    emit(&mut text, "exit".to_string());
    let prog = assemble("generated.s", &text).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(prog.insns.len(), n, "the generator counts instructions");
    prog.insns
}

fn scaling(c: &mut Criterion) {
    let ptype = mem_type(SCALE_BUFFER);
    let config = VerifierConfig::default();
    let slow = std::env::var_os("VERIFY_BENCH_SLOW").is_some();
    let prevail_term = Prevail::new(SCALE_BUFFER, true);
    let prevail_plain = Prevail::new(SCALE_BUFFER, false);
    for (shape, loops) in [("straight", false), ("loops", true)] {
        let mut group = c.benchmark_group(format!("scale/{shape}"));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_millis(500));
        // The PREVAIL configuration compared: termination checking on, unless PREVAIL rejects
        // the program with it; `None` once it failed or is too slow.
        let mut peer = Some(("prevail", &prevail_term));
        // PREVAIL's time per instruction at the previous size, to predict the next.
        let mut prevail_per_insn = Duration::ZERO;
        for n in [1_000usize, 10_000, 100_000] {
            let insns = generate(n, loops);
            let start = Instant::now();
            let verified = verify(&insns, &ptype, &config)
                .unwrap_or_else(|e| panic!("scale/{shape}/{n}: ringfence rejects it:\n{e}"));
            let ours = start.elapsed();
            println!(
                "scale/{shape}/{n}: ringfence accepts, worst case {} instructions, first run {:.3?} ({:.0} ns/insn)",
                verified.worst_case_insns(),
                ours,
                ours.as_nanos() as f64 / n as f64
            );
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new("ringfence", n), |b| {
                b.iter(|| verify(black_box(&insns), &ptype, &config).is_ok())
            });

            let Some((mut label, mut prevail)) = peer else {
                println!("scale/{shape}/{n}: prevail skipped (it failed or was too slow at the previous size)");
                continue;
            };
            let predicted = prevail_per_insn * n as u32;
            let limit = if slow {
                PREVAIL_ONE_RUN_LIMIT
            } else {
                PREVAIL_LIMIT
            };
            if predicted > limit {
                let hint = if !slow && predicted <= PREVAIL_ONE_RUN_LIMIT {
                    "; VERIFY_BENCH_SLOW=1 times it once"
                } else {
                    ""
                };
                println!(
                    "scale/{shape}/{n}: {label} skipped, predicted at least {predicted:.1?} per verification (linear from the previous size){hint}"
                );
                peer = None;
                continue;
            }
            let insts = prevail_insts(&insns);
            let start = Instant::now();
            let mut verdict = prevail.verify(&insts);
            let mut theirs = start.elapsed();
            if let (Err(e), "prevail") = (&verdict, label) {
                println!(
                    "scale/{shape}/{n}: prevail rejects it ({theirs:.3?}): {}; comparing with prevail-no-term",
                    first_line(e)
                );
                (label, prevail) = ("prevail-no-term", &prevail_plain);
                peer = Some((label, prevail));
                let start = Instant::now();
                verdict = prevail.verify(&insts);
                theirs = start.elapsed();
            }
            if let Err(e) = verdict {
                println!(
                    "scale/{shape}/{n}: {label} rejects it ({theirs:.3?}): {}",
                    first_line(&e)
                );
                peer = None;
                continue;
            }
            let once = theirs > PREVAIL_LIMIT;
            println!(
                "scale/{shape}/{n}: {label} accepts, first run {theirs:.3?} ({:.0} ns/insn){}",
                theirs.as_nanos() as f64 / n as f64,
                if once { ", measured once only" } else { "" }
            );
            prevail_per_insn = theirs / n as u32;
            if !once {
                group.bench_function(BenchmarkId::new(label, n), |b| {
                    b.iter(|| prevail.verify(black_box(&insts)).is_ok())
                });
            }
        }
        group.finish();
    }
}

/// Both verdicts on every conformance program (`VERIFY_BENCH_SURVEY=1`).
fn survey() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(conformance_dir())
        .expect("../shared/conformance/tests is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    let mut both = 0;
    for path in &files {
        let b = conformance(path);
        let ours = ringfence_verdict(&b);
        let theirs = Prevail::new(b.len, true).verify(&prevail_insts(&b.insns));
        if ours.is_ok() && theirs.is_ok() {
            both += 1;
        }
        let show = |v: &Result<(), String>| match v {
            Ok(()) => "accept".to_string(),
            Err(e) => format!("reject ({})", first_line(e)),
        };
        println!(
            "{:<32} {:>3} insns  ringfence {}  prevail {}",
            b.name,
            b.insns.len(),
            show(&ours),
            show(&theirs)
        );
    }
    println!("{both} of {} accepted by both", files.len());
}

/// Both verdicts on an assembly file for a buffer of `len` bytes (`VERIFY_BENCH_CHECK=file:len`).
fn check(arg: &str) {
    let (path, len) = arg
        .rsplit_once(':')
        .expect("VERIFY_BENCH_CHECK=<file.s>:<buffer bytes>");
    let len: u64 = len.parse().expect("a buffer size in bytes");
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let b = written(path, &source, len);
    let show = |v: Result<(), String>| {
        v.map_or_else(|e| format!("reject: {e}"), |()| "accept".to_string())
    };
    println!("ringfence: {}", show(ringfence_verdict(&b)));
    let insts = prevail_insts(&b.insns);
    println!("prevail: {}", show(Prevail::new(len, true).verify(&insts)));
    println!(
        "prevail-no-term: {}",
        show(Prevail::new(len, false).verify(&insts))
    );
}

criterion_group!(benches, peers, scaling);

fn main() {
    if std::env::var_os("VERIFY_BENCH_SURVEY").is_some() {
        survey();
        return;
    }
    if let Some(arg) = std::env::var_os("VERIFY_BENCH_CHECK") {
        check(&arg.to_string_lossy());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
