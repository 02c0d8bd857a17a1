//! The interpreters side by side on the same bytecode: the checked interpreter (the oracle),
//! the fast interpreter (verified programs only) and rbpf 0.4.1's interpreter
//! (`EbpfVmRaw`). The workloads use cpu v1 instructions only, which rbpf supports, and are
//! written so that the verifier accepts them as `mem` programs over a 256-byte buffer: a
//! pointer walk summing the buffer, a byte scan for a needle, an ALU-heavy mixing loop, and a
//! loop of helper calls. The byte loops walk a pointer to an end pointer (`r1 < r2`), the
//! bound the verifier can see; each loop compares the register it increments last, as the
//! original counted loops did.
//! Each group holds the three engines, so criterion reports them side by side.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use ringfence_verifier::{verify, ArgKind, HelperSig, ProgramType, RetKind, VerifierConfig};
use ringfence_vm::{CheckedInterpreter, Config, FastInterpreter, Helper, Helpers};

/// The number of the helper `HELPER_100` calls.
const MIX_HELPER_ID: u32 = 2;

/// The length of the buffer every workload runs over.
const MEM_LEN: usize = 256;

/// Sums the 256 bytes at r1, walking a pointer to an end pointer.
const SUM_256: &str = "
    mov %r0, 0
    mov %r2, %r1
    add %r2, 256
loop:
    ldxb %r3, [%r1+0]
    add %r0, %r3
    add %r1, 1
    jlt %r1, %r2, loop
    exit
";

/// The index of the first byte 0xab among the 256 at r1, or -1.
const SCAN_256: &str = "
    mov %r0, 0
    mov %r2, %r1
    add %r2, 256
loop:
    ldxb %r3, [%r1+0]
    jeq %r3, 0xab, found
    add %r0, 1
    add %r1, 1
    jlt %r1, %r2, loop
    mov %r0, -1
found:
    exit
";

/// 1000 rounds of multiply, xor and shift mixing.
const MIX_1000: &str = "
    mov %r0, 1
    mov %r2, 0
    lddw %r3, 0x9e3779b97f4a7c15
loop:
    mul %r0, %r3
    xor %r0, %r2
    mov %r4, %r0
    rsh %r4, 29
    xor %r0, %r4
    lsh %r4, 7
    add %r0, %r4
    add %r2, 1
    jne %r2, 1000, loop
    exit
";

/// 100 calls of a helper that mixes its argument (helper calls cost more than instructions).
const HELPER_100: &str = "
    mov %r6, 0
    mov %r7, 0
loop:
    mov %r1, %r6
    call 2
    add %r7, %r0
    add %r6, 1
    jlt %r6, 100, loop
    mov %r0, %r7
    exit
";

/// The helper `HELPER_100` calls, number 2: `x ^ (x >> 3)` (for rbpf and for ringfence).
fn mix_helper(x: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    x ^ (x >> 3)
}

fn buffer() -> Vec<u8> {
    let mut buffer: Vec<u8> = (0..MEM_LEN as u32).map(|i| (i * 7 % 171) as u8).collect();
    buffer[250] = 0xab;
    buffer
}

fn bench_program(c: &mut Criterion, group_name: &str, source: &str) {
    let program = ringfence_isa::assemble(group_name, source).expect("the program assembles");
    let bytes = ringfence_isa::encode(&program.insns);
    let helpers = Helpers::new().with(
        MIX_HELPER_ID,
        Helper::new("mix", |_memory, [x, ..]| Ok(mix_helper(x, 0, 0, 0, 0))),
    );
    let prog_type = ProgramType::mem(MEM_LEN as u64).with_helper(
        MIX_HELPER_ID as i32,
        HelperSig::new("mix", &[ArgKind::Scalar], RetKind::Scalar),
    );
    let verified = verify(&program.insns, &prog_type, &VerifierConfig::default())
        .unwrap_or_else(|error| panic!("{group_name} does not verify: {error}"));
    let checked = CheckedInterpreter::new(&program.insns, &helpers, Config::default());
    let fast = FastInterpreter::new(&verified, &helpers);
    let mut rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    rbpf_vm
        .register_helper(MIX_HELPER_ID, mix_helper)
        .expect("rbpf takes the helper");
    let mut mem = buffer();

    let ours = checked
        .run_mem(&mut mem)
        .expect("the checked interpreter runs it");
    let fast_result = fast
        .run_mem(&mut mem)
        .expect("the fast interpreter runs it");
    let theirs = rbpf_vm.execute_program(&mut mem).expect("rbpf runs it");
    assert_eq!(ours, theirs, "{group_name}: checked and rbpf disagree");
    assert_eq!(ours, fast_result, "{group_name}: checked and fast disagree");

    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function(BenchmarkId::new("checked", group_name), |b| {
        b.iter(|| checked.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("fast", group_name), |b| {
        b.iter(|| fast.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf", group_name), |b| {
        b.iter(|| rbpf_vm.execute_program(black_box(&mut mem)).unwrap())
    });
    group.finish();
}

/// 256 increments of a u64 at `[r6]`, loaded and stored each time: `r6` is set before this
/// by [`MAP_COUNT_256`] (a map value) or [`STACK_COUNT_256`] (the stack).
const COUNT_256: &str = "
    mov %r2, 0
loop:
    ldxdw %r3, [%r6+0]
    add %r3, 1
    stxdw [%r6+0], %r3
    add %r2, 1
    jlt %r2, 256, loop
    ldxdw %r0, [%r6+0]
    exit
";

/// The cost of shared memory in the fast interpreter, which only it has in this file: the
/// same loads and stores on a map value (`with_maps`: relaxed atomics after the shared-hull
/// test) and on the stack, and `sum_256` on the buffer in a run with maps (the hull test on
/// every access, all outside it) and without.
fn shared_memory(c: &mut Criterion) {
    let maps = ringfence_vm::maps::Maps::new([ringfence_vm::maps::Map::new(
        "counter",
        ringfence_vm::maps::MapDef::array(8, 1),
    )
    .expect("a valid map")]);
    let config = VerifierConfig {
        maps: vec![ringfence_verifier::MapDef {
            key_size: 4,
            value_size: 8,
            read_only: false,
        }],
        ..VerifierConfig::default()
    };
    let helpers = Helpers::new();
    let build = |name: &str, source: &str| {
        let program = ringfence_isa::assemble(name, source).expect("the program assembles");
        let verified = verify(&program.insns, &ProgramType::mem(MEM_LEN as u64), &config)
            .unwrap_or_else(|error| panic!("{name} does not verify: {error}"));
        FastInterpreter::with_maps(&verified, &helpers, &maps).expect("the verified maps")
    };
    let map_count = build(
        "map_count_256",
        &format!("lddw %r6, map_value(0, 0)\n{COUNT_256}"),
    );
    let stack_count = build(
        "stack_count_256",
        &format!("stdw [%r10-8], 0\nmov %r6, %r10\nadd %r6, -8\n{COUNT_256}"),
    );
    let sum_shared = build("sum_256", SUM_256);
    let program = ringfence_isa::assemble("sum_256", SUM_256).expect("the program assembles");
    let verified = verify(
        &program.insns,
        &ProgramType::mem(MEM_LEN as u64),
        &VerifierConfig::default(),
    )
    .expect("sum_256 verifies");
    let sum_plain = FastInterpreter::new(&verified, &helpers);
    let mut mem = buffer();
    assert_eq!(stack_count.run_mem(&mut mem), Ok(256));
    assert_eq!(sum_shared.run_mem(&mut mem), sum_plain.run_mem(&mut mem));

    // Interleaved best-of-rounds times, robust to a busy machine (criterion's below are not).
    let variants = [
        ("count_256_map_value", &map_count),
        ("count_256_stack", &stack_count),
        ("sum_256_run_with_maps", &sum_shared),
        ("sum_256_run_without_maps", &sum_plain),
    ];
    let mut best = [f64::MAX; 4];
    for _ in 0..30 {
        for (i, (_, fast)) in variants.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..200 {
                black_box(fast.run_mem(black_box(&mut mem)).unwrap());
            }
            best[i] = best[i].min(start.elapsed().as_secs_f64() * 1e9 / 200.0);
        }
    }
    println!(
        "shared memory, best of 30 interleaved rounds: count_256 on a map value {:.0} ns, on \
         the stack {:.0} ns ({:.2}x); sum_256 in a run with maps {:.0} ns, without {:.0} ns \
         ({:.2}x)",
        best[0],
        best[1],
        best[0] / best[1],
        best[2],
        best[3],
        best[2] / best[3]
    );

    let mut group = c.benchmark_group("shared_memory");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (name, fast) in [
        ("count_256_map_value", &map_count),
        ("count_256_stack", &stack_count),
        ("sum_256_run_with_maps", &sum_shared),
        ("sum_256_run_without_maps", &sum_plain),
    ] {
        group.bench_function(BenchmarkId::new("fast", name), |b| {
            b.iter(|| fast.run_mem(black_box(&mut mem)).unwrap())
        });
    }
    group.finish();
}

fn interpreters(c: &mut Criterion) {
    bench_program(c, "sum_256", SUM_256);
    bench_program(c, "scan_256", SCAN_256);
    bench_program(c, "mix_1000", MIX_1000);
    bench_program(c, "helper_100", HELPER_100);
}

criterion_group!(benches, interpreters, shared_memory);
criterion_main!(benches);
