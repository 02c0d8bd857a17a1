//! The JIT beside its peers, in one run: ringfence's JIT (unchecked, the engine for verified
//! programs, and checked, the defence-in-depth variant), ringfence's checked interpreter,
//! rbpf 0.4.1's JIT and interpreter, and the same logic written in Rust. The workloads use
//! cpu v1 instructions only, which rbpf supports:
//! - `sum_256`: a counted loop summing a 256-byte buffer;
//! - `strcmp_64`: a byte-by-byte compare of two equal 64-byte strings;
//! - `sieve_512`: a sieve of Eratosthenes over 512 flags on the stack (97 primes);
//! - `switch_256`: a 16-way `jeq` dispatch chain on each of 256 bytes;
//! - `empty`: `r0 = 0; exit`, the fixed cost of one run.
//!
//! Before the groups, it prints the JIT's compile time per 1,000 instructions, measured on
//! a generated straight-line program of about 10,000 instructions.
//!
//! Run: `cargo bench -p ringfence-vm --bench jit`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, BenchmarkId, Criterion};
use ringfence_isa::Insn;
use ringfence_vm::jit::{JitCompiler, JitConfig, JitProgram};
use ringfence_vm::{CheckedInterpreter, Config, Helpers};

const SUM_256: &str = "
    mov %r0, 0
    mov %r2, 0
loop:
    ldxb %r3, [%r1+0]
    add %r0, %r3
    add %r1, 1
    add %r2, 1
    jne %r2, 256, loop
    exit
";

fn sum_256_native(buffer: &[u8]) -> u64 {
    let mut sum = 0u64;
    for &byte in &buffer[..256] {
        sum += byte as u64;
    }
    sum
}

/// Compares the 64 bytes at r1 with the 64 after them: 0 if equal, else the difference of
/// the first differing bytes.
const STRCMP_64: &str = "
    mov %r0, 0
    mov %r2, 0
loop:
    ldxb %r3, [%r1+0]
    ldxb %r4, [%r1+64]
    jne %r3, %r4, differ
    add %r1, 1
    add %r2, 1
    jne %r2, 64, loop
    exit
differ:
    mov %r0, %r3
    sub %r0, %r4
    exit
";

fn strcmp_64_native(buffer: &[u8]) -> u64 {
    let (a, b) = (&buffer[..64], &buffer[64..128]);
    for i in 0..64 {
        if a[i] != b[i] {
            return (a[i] as u64).wrapping_sub(b[i] as u64);
        }
    }
    0
}

/// Counts the primes below 512 with a sieve of byte flags at r10-512.
const SIEVE_512: &str = "
    mov %r8, %r10
    sub %r8, 512
    mov %r2, %r8
    mov %r3, 0
zero:
    stxdw [%r2+0], %r3
    add %r2, 8
    jne %r2, %r10, zero
    mov %r0, 0
    mov %r4, 2
outer:
    mov %r5, %r8
    add %r5, %r4
    ldxb %r6, [%r5+0]
    jne %r6, 0, next
    add %r0, 1
    mov %r7, %r4
    mul %r7, %r4
inner:
    jge %r7, 512, next
    mov %r5, %r8
    add %r5, %r7
    stb [%r5+0], 1
    add %r7, %r4
    ja inner
next:
    add %r4, 1
    jne %r4, 512, outer
    exit
";

fn sieve_512_native(_: &[u8]) -> u64 {
    let mut flags = [0u8; 512];
    let mut count = 0;
    for i in 2..512 {
        if flags[i] == 0 {
            count += 1;
            let mut j = i * i;
            while j < 512 {
                flags[j] = 1;
                j += i;
            }
        }
    }
    count
}

/// A 16-way dispatch chain on the low nibble of each of 256 bytes.
fn switch_256_source() -> String {
    let mut source = String::from(
        "    mov %r0, 0\n    mov %r2, 0\nloop:\n    ldxb %r3, [%r1+0]\n    and %r3, 15\n",
    );
    for case in 0..15 {
        writeln!(source, "    jeq %r3, {case}, case{case}").unwrap();
    }
    writeln!(
        source,
        "    add %r0, {}\n    xor %r0, 15\n    ja next",
        switch_constant(15)
    )
    .unwrap();
    for case in 0..15 {
        writeln!(
            source,
            "case{case}:\n    add %r0, {}\n    xor %r0, {case}\n    ja next",
            switch_constant(case)
        )
        .unwrap();
    }
    source.push_str("next:\n    add %r1, 1\n    add %r2, 1\n    jne %r2, 256, loop\n    exit\n");
    source
}

const fn switch_constant(case: u64) -> u64 {
    case * case + 3
}

fn switch_256_native(buffer: &[u8]) -> u64 {
    let mut acc = 0u64;
    for &byte in &buffer[..256] {
        acc = match byte & 15 {
            0 => acc.wrapping_add(switch_constant(0)),
            1 => acc.wrapping_add(switch_constant(1)) ^ 1,
            2 => acc.wrapping_add(switch_constant(2)) ^ 2,
            3 => acc.wrapping_add(switch_constant(3)) ^ 3,
            4 => acc.wrapping_add(switch_constant(4)) ^ 4,
            5 => acc.wrapping_add(switch_constant(5)) ^ 5,
            6 => acc.wrapping_add(switch_constant(6)) ^ 6,
            7 => acc.wrapping_add(switch_constant(7)) ^ 7,
            8 => acc.wrapping_add(switch_constant(8)) ^ 8,
            9 => acc.wrapping_add(switch_constant(9)) ^ 9,
            10 => acc.wrapping_add(switch_constant(10)) ^ 10,
            11 => acc.wrapping_add(switch_constant(11)) ^ 11,
            12 => acc.wrapping_add(switch_constant(12)) ^ 12,
            13 => acc.wrapping_add(switch_constant(13)) ^ 13,
            14 => acc.wrapping_add(switch_constant(14)) ^ 14,
            _ => acc.wrapping_add(switch_constant(15)) ^ 15,
        };
    }
    acc
}

fn buffer() -> Vec<u8> {
    let mut buffer: Vec<u8> = (0..256u32).map(|i| (i * 7 % 171) as u8).collect();
    let (first, second) = buffer.split_at_mut(64);
    second[..64].copy_from_slice(first);
    buffer
}

fn bench_program(c: &mut Criterion, name: &str, source: &str, native: fn(&[u8]) -> u64) {
    let program = ringfence_isa::assemble(name, source).expect("the program assembles");
    let bytes = ringfence_isa::encode(&program.insns);
    let helpers = Helpers::new();
    let interp = CheckedInterpreter::new(&program.insns, &helpers, Config::default());
    let mut mem = buffer();
    let expected = interp.run_mem(&mut mem).expect("the interpreter runs it");
    assert_eq!(native(&mem), expected, "{name}: the Rust version disagrees");

    // SAFETY: the interpreter just ran this program on this buffer without a fault; it is
    // deterministic and never depends on addresses, so every run over a buffer of the same
    // contents makes the same in-bounds accesses and terminates.
    let jit =
        unsafe { JitProgram::compile_unverified(&program.insns, &helpers, JitConfig::default()) }
            .expect("the JIT compiles it");
    let checked_config = JitConfig {
        checked: true,
        ..JitConfig::default()
    };
    let jit_checked = JitProgram::compile_checked(&program.insns, &helpers, checked_config)
        .expect("the checked JIT compiles it");
    let rbpf_interp = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    let mut rbpf_jit = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    rbpf_jit.jit_compile().expect("rbpf's JIT compiles it");

    assert_eq!(jit.run_mem(&mut mem), Ok(expected), "{name}: JIT");
    assert_eq!(
        jit_checked.run_mem(&mut mem),
        Ok(expected),
        "{name}: checked JIT"
    );
    assert_eq!(
        rbpf_interp.execute_program(&mut mem).unwrap(),
        expected,
        "{name}: rbpf"
    );
    // SAFETY: rbpf's JIT runs the program it compiled over `mem`, which the program only
    // reads within its first 256 bytes (checked above by the interpreter).
    let rbpf_jit_result = unsafe { rbpf_jit.execute_program_jit(&mut mem) }.unwrap();
    assert_eq!(rbpf_jit_result, expected, "{name}: rbpf JIT");

    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function(BenchmarkId::new("native", name), |b| {
        b.iter(|| native(black_box(&mem)))
    });
    group.bench_function(BenchmarkId::new("ringfence_jit", name), |b| {
        b.iter(|| jit.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("ringfence_jit_checked", name), |b| {
        b.iter(|| jit_checked.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("ringfence_interp", name), |b| {
        b.iter(|| interp.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf_jit", name), |b| {
        // SAFETY: as above: the same program over the same buffer.
        b.iter(|| unsafe { rbpf_jit.execute_program_jit(black_box(&mut mem)) }.unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf_interp", name), |b| {
        b.iter(|| rbpf_interp.execute_program(black_box(&mut mem)).unwrap())
    });
    group.finish();
}

/// Nothing: the fixed cost of one run.
const EMPTY: &str = "mov %r0, 0\nexit\n";

fn empty_native(_: &[u8]) -> u64 {
    0
}

fn workloads(c: &mut Criterion) {
    bench_program(c, "empty", EMPTY, empty_native);
    bench_program(c, "sum_256", SUM_256, sum_256_native);
    bench_program(c, "strcmp_64", STRCMP_64, strcmp_64_native);
    bench_program(c, "sieve_512", SIEVE_512, sieve_512_native);
    bench_program(c, "switch_256", &switch_256_source(), switch_256_native);
}

/// A straight-line program of about `n` instructions: ALU operations on r0-r9 with
/// immediates and registers, loads and stores on the stack, and a final `exit`.
fn straight_line(n: usize) -> Vec<Insn> {
    let mut source = String::new();
    for reg in 0..10 {
        writeln!(source, "mov %r{reg}, {}", reg * 3 + 1).unwrap();
    }
    let ops = [
        "add", "sub", "mul", "xor", "or", "and", "lsh", "rsh", "add32", "mov",
    ];
    let mut state = 0x1234_5678u64;
    for i in 0..n {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let dst = (state >> 33) % 10;
        let src = (state >> 40) % 10;
        let off = 8 * (1 + (state >> 50) % 60);
        match i % 8 {
            6 => writeln!(source, "stxdw [%r10-{off}], %r{src}").unwrap(),
            7 => writeln!(source, "ldxdw %r{dst}, [%r10-{off}]").unwrap(),
            k if k % 2 == 0 => {
                let op = ops[((state >> 20) % ops.len() as u64) as usize];
                writeln!(source, "{op} %r{dst}, {}", (state >> 45) % 63).unwrap()
            }
            _ => {
                let op = ops[((state >> 20) % ops.len() as u64) as usize];
                writeln!(source, "{op} %r{dst}, %r{src}").unwrap()
            }
        }
    }
    source.push_str("exit\n");
    ringfence_isa::assemble("straight.s", &source)
        .unwrap()
        .insns
}

/// Prints the compile time per 1,000 instructions, in both modes, for straight-line programs
/// of about 1,000 and 10,000 instructions.
fn report_compile_time() {
    for n in [1_000, 10_000] {
        report_compile_time_of(&straight_line(n));
    }
}

fn report_compile_time_of(insns: &[Insn]) {
    let helpers = Helpers::new();
    let mut compiler = JitCompiler::new().unwrap();
    for checked in [false, true] {
        let config = JitConfig {
            checked,
            ..JitConfig::default()
        };
        let rounds = 7;
        let mut best = Duration::MAX;
        let mut code_size = 0;
        for _ in 0..rounds {
            let start = Instant::now();
            let program = if checked {
                compiler.compile_checked(insns, &helpers, config)
            } else {
                // SAFETY: the program is compiled to measure the compiler, and never run.
                unsafe { compiler.compile_unverified(insns, &helpers, config) }
            }
            .unwrap();
            let elapsed = start.elapsed();
            best = best.min(elapsed);
            code_size = program.code_size();
        }
        let per_1k = best.as_secs_f64() * 1e6 / (insns.len() as f64 / 1000.0);
        println!(
            "jit compile ({}): {} instructions in {:.1} ms = {per_1k:.0} us per 1k instructions, {code_size} bytes of code",
            if checked { "checked" } else { "unchecked" },
            insns.len(),
            best.as_secs_f64() * 1e3,
        );
    }
}

criterion_group!(benches, workloads);

fn main() {
    report_compile_time();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
