//! The checked interpreter beside rbpf 0.4.1's interpreter, on the same bytecode (cpu v1
//! instructions only, which rbpf supports): a counted loop summing a 256-byte buffer, a byte
//! scan for a needle, and an ALU-heavy mixing loop. Each group holds both engines, so
//! criterion reports them side by side.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use ringfence_vm::{CheckedInterpreter, Config, Helpers};

/// Sums the 256 bytes at r1.
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

/// The index of the first byte 0xab among the 256 at r1, or -1.
const SCAN_256: &str = "
    mov %r0, 0
loop:
    ldxb %r3, [%r1+0]
    jeq %r3, 0xab, found
    add %r1, 1
    add %r0, 1
    jne %r0, 256, loop
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

fn buffer() -> Vec<u8> {
    let mut buffer: Vec<u8> = (0..256u32).map(|i| (i * 7 % 171) as u8).collect();
    buffer[250] = 0xab;
    buffer
}

fn bench_program(c: &mut Criterion, group_name: &str, source: &str) {
    let program = ringfence_isa::assemble(group_name, source).expect("the program assembles");
    let bytes = ringfence_isa::encode(&program.insns);
    let checked = CheckedInterpreter::new(&program.insns, &Helpers::new(), Config::default());
    let rbpf_vm = rbpf::EbpfVmMbuff::new(Some(&bytes)).expect("rbpf accepts the program");
    let mut mem = buffer();

    let ours = checked
        .run_mem(&mut mem)
        .expect("the checked interpreter runs it");
    let theirs = rbpf_vm.execute_program(&mem, &[]).expect("rbpf runs it");
    assert_eq!(ours, theirs, "{group_name}: the engines disagree");

    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function(BenchmarkId::new("checked", group_name), |b| {
        b.iter(|| checked.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf", group_name), |b| {
        b.iter(|| rbpf_vm.execute_program(black_box(&mem), &[]).unwrap())
    });
    group.finish();
}

fn interpreters(c: &mut Criterion) {
    bench_program(c, "sum_256", SUM_256);
    bench_program(c, "scan_256", SCAN_256);
    bench_program(c, "mix_1000", MIX_1000);
}

criterion_group!(benches, interpreters);
criterion_main!(benches);
