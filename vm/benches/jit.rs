//! The JIT beside its peers, in one run. Engines:
//! - `ringfence_jit`: the JIT compiled from the `VerifiedProgram` (unchecked, the engine for
//!   verified programs; the default `JitOpt::Speed`);
//! - `ringfence_jit_checked`: the checked variant (bounds checks on every access and an
//!   instruction budget), the cost of defence in depth;
//! - `ringfence_fast`: the fast interpreter (verified programs, no checks);
//! - `ringfence_checked`: the checked interpreter (the oracle);
//! - `rbpf_jit`, `rbpf_interp`: rbpf 0.4.1's JIT and interpreter (`EbpfVmRaw`);
//! - `native`: the same logic written in Rust.
//!
//! Workloads, `mem` programs over a 256-byte buffer, verified as such (cpu v1 instructions
//! only, which rbpf supports; loops walk a pointer to an end pointer, the bound the verifier
//! sees):
//! - `empty`: `r0 = 0; exit`, the fixed cost of one run;
//! - `sum_256`: sum of the 256 bytes;
//! - `strcmp_64`: byte-by-byte compare of the first 64 bytes with the next 64 (equal);
//! - `primes_1000`: the primes below 1000 counted by trial division, an ALU loop (168);
//! - `switch_256`: a 16-way `jeq` dispatch chain on the low nibble of each byte.
//!
//! Rules (`rule/<name>`): example rules (`examples/rules/*.o`) over all the sample events of
//! their file (`examples/events/<name>.jsonl`), through `Rule::evaluate_with` on the JIT,
//! the fast interpreter and the checked interpreter, and the rule's logic hand-written in
//! Rust over the same encoded events (`EventView`, field ids resolved once). rbpf cannot run
//! them: they call ringfence's helpers (`rf_*`) and read an event context, neither of which
//! rbpf has. Times are per event.
//!
//! Before the groups, it prints the JIT's compile time per 1,000 instructions on generated
//! straight-line programs (with rbpf's JIT compiling the same program as the peer) and on
//! every example rule; after them, a summary table of ratios from its own interleaved
//! measurement (the best of several rounds per engine, robust to a noisy machine), which is
//! what README's Performance table quotes.
//!
//! Run: `cargo bench -p ringfence-vm --bench jit` (about three minutes; criterion's options
//! follow `--`, e.g. `-- --measurement-time 3 sum_256`).

use std::fmt::Write as _;
use std::hint::black_box;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use ringfence_isa::Insn;
use ringfence_verifier::{verify, ProgramType, VerifierConfig};
use ringfence_vm::event::{Encoder, EventBuf, EventView, Schema, SchemaSet};
use ringfence_vm::jit::{JitCompiler, JitConfig, JitOpt, JitProgram};
use ringfence_vm::rule::{load_rules, rule_helpers, Rule, RuleConfig};
use ringfence_vm::{
    Backend, CheckedInterpreter, Config, FastInterpreter, Helpers, RunState, Scratch,
};

/// The length of the buffer every workload runs over.
const MEM_LEN: usize = 256;

// ---- Workloads ------------------------------------------------------------------------------

/// Nothing: the fixed cost of one run.
const EMPTY: &str = "mov %r0, 0\nexit\n";

fn empty_native(_: &[u8]) -> u64 {
    0
}

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

fn sum_256_native(buffer: &[u8]) -> u64 {
    let mut sum = 0u64;
    for &byte in &buffer[..256] {
        sum += byte as u64;
    }
    sum
}

/// 0 if the 64 bytes at r1 equal the 64 after them, else the difference of the first
/// differing bytes.
const STRCMP_64: &str = "
    mov %r0, 0
    mov %r2, %r1
    add %r2, 64
loop:
    ldxb %r3, [%r1+0]
    ldxb %r4, [%r1+64]
    jne %r3, %r4, differ
    add %r1, 1
    jlt %r1, %r2, loop
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

/// Counts the primes below 1000 by trial division (a divide per step; 168 primes). The
/// verifier bounds loops whose counter steps by a constant, which a sieve's `j += i` is not.
const PRIMES_1000: &str = "
    mov %r0, 0
    mov %r2, 2
outer:
    mov %r3, 2
inner:
    mov %r4, %r3
    mul %r4, %r3
    jgt %r4, %r2, prime
    mov %r5, %r2
    mod %r5, %r3
    jeq %r5, 0, next
    add %r3, 1
    jlt %r3, %r2, inner
prime:
    add %r0, 1
next:
    add %r2, 1
    jlt %r2, 1000, outer
    exit
";

fn primes_1000_native(_: &[u8]) -> u64 {
    let mut count = 0;
    for n in 2u64..1000 {
        let mut d = 2;
        let mut prime = true;
        while d < n {
            if d * d > n {
                break;
            }
            if n % d == 0 {
                prime = false;
                break;
            }
            d += 1;
        }
        count += prime as u64;
    }
    count
}

/// A 16-way dispatch chain on the low nibble of each of the 256 bytes.
fn switch_256_source() -> String {
    let mut source = String::from(
        "    mov %r0, 0\n    mov %r2, %r1\n    add %r2, 256\nloop:\n    ldxb %r3, [%r1+0]\n    and %r3, 15\n",
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
    source.push_str("next:\n    add %r1, 1\n    jlt %r1, %r2, loop\n    exit\n");
    source
}

const fn switch_constant(case: u64) -> u64 {
    case * case + 3
}

fn switch_256_native(buffer: &[u8]) -> u64 {
    let mut acc = 0u64;
    for &byte in &buffer[..256] {
        let case = (byte & 15) as u64;
        acc = acc.wrapping_add(switch_constant(case)) ^ case;
    }
    acc
}

fn buffer() -> Vec<u8> {
    let mut buffer: Vec<u8> = (0..MEM_LEN as u32).map(|i| (i * 7 % 171) as u8).collect();
    let (first, second) = buffer.split_at_mut(64);
    second[..64].copy_from_slice(first);
    buffer
}

// ---- The summary ------------------------------------------------------------------------------

/// Times from the summary's own measurement: for each group, each engine's best time per
/// call (or per event), in nanoseconds.
#[derive(Default)]
struct Summary {
    rows: Vec<(String, Vec<(&'static str, f64)>)>,
}

/// The best of `rounds` rounds of the time per call of each engine, the engines interleaved
/// round by round so that a burst of load hits all of them alike.
fn best_times(engines: &mut [(&'static str, &mut dyn FnMut())]) -> Vec<(&'static str, f64)> {
    const ROUNDS: usize = 25;
    const ROUND: Duration = Duration::from_millis(3);
    // Calls per round, so that a round takes about `ROUND`.
    let calls: Vec<u32> = engines
        .iter_mut()
        .map(|(_, run)| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed() < ROUND / 4 {
                run();
                n += 1;
            }
            (n * 4).max(1)
        })
        .collect();
    let mut best = vec![f64::MAX; engines.len()];
    for _ in 0..ROUNDS {
        for (i, (_, run)) in engines.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..calls[i] {
                run();
            }
            best[i] = best[i].min(start.elapsed().as_secs_f64() * 1e9 / calls[i] as f64);
        }
    }
    engines
        .iter()
        .zip(best)
        .map(|((name, _), ns)| (*name, ns))
        .collect()
}

impl Summary {
    fn time(&self, group: &str, engine: &str) -> Option<f64> {
        let (_, times) = self.rows.iter().find(|(name, _)| name == group)?;
        times.iter().find(|(e, _)| *e == engine).map(|(_, ns)| *ns)
    }

    fn print(&self) {
        let ratio = |group: &str, engine: &str| match (
            self.time(group, "ringfence_jit"),
            self.time(group, engine),
        ) {
            (Some(jit), Some(other)) => format!("{:.2}", jit / other),
            _ => "-".to_string(),
        };
        let ns = |group: &str, engine: &str| {
            self.time(group, engine)
                .map_or("-".to_string(), |ns| format!("{ns:.0}"))
        };
        println!();
        println!("summary (best of 25 interleaved rounds; ratio = ringfence JIT time / peer time, below 1 is faster)");
        println!();
        println!("| workload | JIT ns | / rbpf JIT | / native Rust | / fast interp | / checked JIT | rbpf JIT ns | native ns | fast interp ns |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (group, _) in &self.rows {
            println!(
                "| {group} | {} | {} | {} | {} | {} | {} | {} | {} |",
                ns(group, "ringfence_jit"),
                ratio(group, "rbpf_jit"),
                ratio(group, "native"),
                ratio(group, "ringfence_fast"),
                ratio(group, "ringfence_jit_checked"),
                ns(group, "rbpf_jit"),
                ns(group, "native"),
                ns(group, "ringfence_fast"),
            );
        }
    }
}

// ---- Bytecode workloads -----------------------------------------------------------------------

fn bench_program(
    c: &mut Criterion,
    summary: &mut Summary,
    name: &str,
    source: &str,
    native: fn(&[u8]) -> u64,
) {
    let program = ringfence_isa::assemble(name, source).expect("the program assembles");
    let bytes = ringfence_isa::encode(&program.insns);
    let helpers = Helpers::new();
    let verified = verify(
        &program.insns,
        &ProgramType::mem(MEM_LEN as u64),
        &VerifierConfig::default(),
    )
    .unwrap_or_else(|error| panic!("{name} does not verify: {error}"));
    let checked = CheckedInterpreter::new(&program.insns, &helpers, Config::default());
    let fast = FastInterpreter::new(&verified, &helpers);
    let jit = JitProgram::compile(&verified, &helpers, &JitConfig::default())
        .expect("the JIT compiles it");
    let jit_checked = JitProgram::compile_checked(&program.insns, &helpers, JitConfig::default())
        .expect("the checked JIT compiles it");
    let rbpf_interp = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    let mut rbpf_jit = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    rbpf_jit.jit_compile().expect("rbpf's JIT compiles it");

    let mut mem = buffer();
    let expected = checked.run_mem(&mut mem).expect("the interpreter runs it");
    assert_eq!(native(&mem), expected, "{name}: the Rust version disagrees");
    assert_eq!(jit.run_mem(&mut mem), Ok(expected), "{name}: JIT");
    assert_eq!(
        jit_checked.run_mem(&mut mem),
        Ok(expected),
        "{name}: checked JIT"
    );
    assert_eq!(fast.run_mem(&mut mem).ok(), Some(expected), "{name}: fast");
    assert_eq!(
        rbpf_interp.execute_program(&mut mem).unwrap(),
        expected,
        "{name}: rbpf"
    );
    // SAFETY: rbpf's JIT runs the program it compiled over `mem`; the verifier proved every
    // access of the program in bounds of a 256-byte buffer, which `mem` is.
    let rbpf_jit_result = unsafe { rbpf_jit.execute_program_jit(&mut mem) }.unwrap();
    assert_eq!(rbpf_jit_result, expected, "{name}: rbpf JIT");

    let mut group = c.benchmark_group(name);
    group.bench_function(BenchmarkId::new("native", name), |b| {
        b.iter(|| native(black_box(&mem)))
    });
    group.bench_function(BenchmarkId::new("ringfence_jit", name), |b| {
        b.iter(|| jit.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("ringfence_jit_checked", name), |b| {
        b.iter(|| jit_checked.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("ringfence_fast", name), |b| {
        b.iter(|| fast.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("ringfence_checked", name), |b| {
        b.iter(|| checked.run_mem(black_box(&mut mem)).unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf_jit", name), |b| {
        // SAFETY: as above: the same program over the same buffer.
        b.iter(|| unsafe { rbpf_jit.execute_program_jit(black_box(&mut mem)) }.unwrap())
    });
    group.bench_function(BenchmarkId::new("rbpf_interp", name), |b| {
        b.iter(|| rbpf_interp.execute_program(black_box(&mut mem)).unwrap())
    });
    group.finish();

    // Each engine with its own copy of the buffer.
    let [mut m1, mut m2, mut m3, mut m4, m5] = std::array::from_fn(|_| mem.clone());
    let times = best_times(&mut [
        ("native", &mut || {
            black_box(native(black_box(&m5)));
        }),
        ("ringfence_jit", &mut || {
            black_box(jit.run_mem(black_box(&mut m1)).unwrap());
        }),
        ("ringfence_jit_checked", &mut || {
            black_box(jit_checked.run_mem(black_box(&mut m2)).unwrap());
        }),
        ("ringfence_fast", &mut || {
            black_box(fast.run_mem(black_box(&mut m3)).unwrap());
        }),
        ("rbpf_jit", &mut || {
            // SAFETY: as above: the same program over a copy of the same buffer.
            black_box(unsafe { rbpf_jit.execute_program_jit(black_box(&mut m4)) }.unwrap());
        }),
    ]);
    summary.rows.push((name.to_string(), times));
}

// ---- Rules --------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The sample events of `examples/events/<name>.jsonl`, encoded.
fn sample_events(name: &str, encoder: &Encoder) -> Vec<EventBuf> {
    let path = root().join(format!("examples/events/{name}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(line_no, line)| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            // Test cases wrap the event; bare events are events.
            let event = value.get("event").cloned().unwrap_or(value);
            let mut buf = EventBuf::new();
            encoder
                .encode_line(&event.to_string(), line_no + 1, &mut buf)
                .unwrap_or_else(|e| panic!("{name}.jsonl:{}: {e}", line_no + 1));
            buf
        })
        .collect()
}

/// The one rule of `examples/rules/<name>.o`, on `backend`.
fn load_rule(name: &str, schemas: &SchemaSet, backend: Backend) -> Rule {
    let path = root().join(format!("examples/rules/{name}.o"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let config = RuleConfig {
        backend,
        ..RuleConfig::default()
    };
    let mut object = load_rules(&bytes, schemas, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(object.rules.len(), 1, "{name}: one rule per object");
    object.rules.remove(0)
}

/// A rule's logic in Rust: the verdict for one event, pushing `(rule id, detail)` to
/// `alerts` as `rf_alert` would.
type NativeRule = Box<dyn Fn(&EventView<'_>, &mut Vec<(u32, u32)>) -> u64>;

fn field(schema: &Schema, name: &str) -> u32 {
    schema
        .field_id(name)
        .unwrap_or_else(|| panic!("{}: no field {name}", schema.name()))
}

/// `exe_first_byte.c`: a relative executable path.
fn exe_first_byte_native(schema: &Schema) -> NativeRule {
    let (exe, pid) = (field(schema, "exe"), field(schema, "pid"));
    Box::new(move |ev, alerts| {
        let Some(&first) = ev.str_bytes(exe).and_then(|exe| exe.first()) else {
            return 0;
        };
        if first == b'/' {
            return 0;
        }
        alerts.push((11, ev.scalar(pid).unwrap_or(0) as u32));
        1
    })
}

/// `netcat_exec.c`: netcat run with `-e`/`-c`.
fn netcat_exec_native(schema: &Schema) -> NativeRule {
    let (exe, args, pid) = (
        field(schema, "exe"),
        field(schema, "args"),
        field(schema, "pid"),
    );
    Box::new(move |ev, alerts| {
        let path = ev.str_bytes(exe).unwrap_or_default();
        let netcat = [&b"/nc"[..], b"/ncat", b"/netcat", b"/nc.traditional"]
            .iter()
            .any(|suffix| path.ends_with(suffix))
            || [
                &b"nc"[..],
                b"ncat",
                b"netcat",
                b"nc.traditional",
                b"nc.openbsd",
            ]
            .contains(&path);
        if !netcat {
            return 0;
        }
        let exec = ev.strings(args).is_some_and(|mut list| {
            list.any(|arg| {
                arg.starts_with(b"-e")
                    || arg.starts_with(b"-c")
                    || arg == b"--exec"
                    || arg == b"--sh-exec"
            })
        });
        if !exec {
            return 0;
        }
        alerts.push((3, ev.scalar(pid).unwrap_or(0) as u32));
        1
    })
}

/// `ssh_nonstandard_port.c`: ssh to a port other than 22 outside the private ranges.
fn ssh_nonstandard_port_native(schema: &Schema) -> NativeRule {
    let (dport, protocol, exe, daddr) = (
        field(schema, "dport"),
        field(schema, "protocol"),
        field(schema, "exe"),
        field(schema, "daddr"),
    );
    Box::new(move |ev, alerts| {
        let port = ev.scalar(dport).unwrap_or(0);
        if port == 22 || ev.scalar(protocol) != Some(6) {
            return 0;
        }
        if !ev.str_bytes(exe).unwrap_or_default().ends_with(b"/ssh") {
            return 0;
        }
        if let Some(IpAddr::V4(address)) = ev.ip(daddr) {
            let [a, b, ..] = address.octets();
            if a == 10 || (a == 172 && b & 0xf0 == 16) || (a == 192 && b == 168) || a == 127 {
                return 0;
            }
        }
        alerts.push((7, port as u32));
        1
    })
}

/// The rules benched, with their logic in Rust.
/// Builds a rule's Rust version for its event schema.
type NativeOf = fn(&Schema) -> NativeRule;

const RULES: [(&str, NativeOf); 3] = [
    ("exe_first_byte", exe_first_byte_native),
    ("netcat_exec", netcat_exec_native),
    ("ssh_nonstandard_port", ssh_nonstandard_port_native),
];

fn bench_rule(c: &mut Criterion, summary: &mut Summary, name: &str, native_of: NativeOf) {
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let events = sample_events(name, &encoder);
    let jit = load_rule(name, &schemas, Backend::Jit);
    let fast = load_rule(name, &schemas, Backend::Interpreter);
    let checked = load_rule(name, &schemas, Backend::Checked);
    assert_eq!(jit.backend(), Backend::Jit, "{name}: the JIT is available");
    let (_, schema) = schemas.by_name(&jit.event).unwrap();
    let layout = schema.layout();
    let native = native_of(schema);

    let mut scratch = Scratch::new();
    let mut state = RunState::default();
    let mut alerts = Vec::new();
    let mut verdicts = 0;
    for (idx, event) in events.iter().enumerate() {
        let expected = checked
            .evaluate_with(event, &mut scratch, Some(&mut state))
            .unwrap_or_else(|e| panic!("{name}: event {idx}: {e}"));
        for (engine, rule) in [("JIT", &jit), ("fast interpreter", &fast)] {
            let got = rule.evaluate_with(event, &mut scratch, Some(&mut state));
            assert_eq!(got, Ok(expected), "{name}: event {idx}: {engine}");
        }
        let view = EventView::new(layout, event.fixed(), event.data()).unwrap();
        assert_eq!(
            native(&view, &mut alerts),
            expected,
            "{name}: event {idx}: the Rust version disagrees"
        );
        verdicts += expected;
    }
    assert!(verdicts > 0, "{name}: no sample event matches");

    // One pass over the events: as a host evaluates a stream, one scratch and one state.
    let evaluate_all = |rule: &Rule, scratch: &mut Scratch, state: &mut RunState| {
        for event in &events {
            state.clear();
            black_box(rule.evaluate_with(black_box(event), scratch, Some(state))).unwrap();
        }
    };
    let native_all = |alerts: &mut Vec<(u32, u32)>| {
        for event in &events {
            alerts.clear();
            let view = EventView::new(layout, event.fixed(), event.data()).unwrap();
            black_box(native(black_box(&view), alerts));
        }
    };

    let group_name = format!("rule/{name}");
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function(BenchmarkId::new("native", name), |b| {
        b.iter(|| native_all(&mut alerts))
    });
    for (engine, rule) in [
        ("ringfence_jit", &jit),
        ("ringfence_fast", &fast),
        ("ringfence_checked", &checked),
    ] {
        group.bench_function(BenchmarkId::new(engine, name), |b| {
            b.iter(|| evaluate_all(rule, &mut scratch, &mut state))
        });
    }
    group.finish();

    let per_event = 1.0 / events.len() as f64;
    let (mut scratch2, mut state2) = (Scratch::new(), RunState::default());
    let times = best_times(&mut [
        ("native", &mut || native_all(&mut alerts)),
        ("ringfence_jit", &mut || {
            evaluate_all(&jit, &mut scratch, &mut state)
        }),
        ("ringfence_fast", &mut || {
            evaluate_all(&fast, &mut scratch2, &mut state2)
        }),
    ]);
    summary.rows.push((
        format!("{group_name} ({} events)", events.len()),
        times
            .into_iter()
            .map(|(engine, ns)| (engine, ns * per_event))
            .collect(),
    ));
}

// ---- Compile time -------------------------------------------------------------------------------

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

/// The best of `rounds` runs of `compile`, in seconds.
fn best_of(rounds: usize, mut compile: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            compile();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn per_1k(seconds: f64, n_insns: usize) -> String {
    format!("{:.2} ms", seconds * 1e3 / (n_insns as f64 / 1000.0))
}

/// Prints the compile time per 1,000 instructions: generated straight-line programs (both
/// `JitOpt`s, unchecked and checked, and rbpf's JIT on the same program where it fits in
/// rbpf's one page of code), and the example
/// rules (each compiled alone, as loading does; the total over all of them).
fn report_compile_time() {
    let helpers = Helpers::new();
    let mut compiler = JitCompiler::new().unwrap();
    let speed = JitConfig::default();
    let quick = JitConfig {
        opt: JitOpt::QuickCompile,
        ..JitConfig::default()
    };
    println!("jit compile time per 1,000 instructions (best of 5):");
    for n in [250, 1_000, 10_000] {
        let insns = straight_line(n);
        let bytes = ringfence_isa::encode(&insns);
        let mut line = format!("  straight-line, {} insns:", insns.len());
        for (label, config) in [("speed", speed), ("quick", quick)] {
            let time = best_of(5, || {
                // SAFETY: compiled to measure the compiler, never run.
                black_box(
                    unsafe { compiler.compile_unverified(&insns, &helpers, config) }.unwrap(),
                );
            });
            write!(line, " {label} {}", per_1k(time, insns.len())).unwrap();
        }
        let time = best_of(3, || {
            black_box(compiler.compile_checked(&insns, &helpers, speed).unwrap());
        });
        write!(line, ", checked {}", per_1k(time, insns.len())).unwrap();
        // rbpf's JIT writes into one 4 KiB page and panics past it: only small programs.
        if n <= 250 {
            let time = best_of(5, || {
                let mut vm = rbpf::EbpfVmRaw::new(Some(&bytes)).unwrap();
                vm.jit_compile().unwrap();
                black_box(vm);
            });
            write!(line, "; rbpf JIT {}", per_1k(time, insns.len())).unwrap();
        }
        println!("{line}");
    }

    let schemas = SchemaSet::endpoint();
    let mut rules_dir: Vec<PathBuf> = std::fs::read_dir(root().join("examples/rules"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "o"))
        .collect();
    rules_dir.sort();
    let (mut n_insns, mut n_rules) = (0, 0);
    let mut totals = [0.0f64; 2];
    for path in rules_dir {
        let bytes = std::fs::read(&path).unwrap();
        let object = load_rules(&bytes, &schemas, &RuleConfig::default()).unwrap();
        for rule in &object.rules {
            let (_, schema) = schemas.by_name(&rule.event).unwrap();
            let helpers = rule_helpers(&object.maps, std::sync::Arc::new(schema.layout().clone()));
            for (total, config) in totals.iter_mut().zip([speed, quick]) {
                *total += best_of(5, || {
                    black_box(
                        compiler
                            .compile_with_maps(rule.verified(), &helpers, &object.maps, &config)
                            .unwrap(),
                    );
                });
            }
            n_insns += rule.verified().insns().len();
            n_rules += 1;
        }
    }
    println!(
        "  {n_rules} example rules, {n_insns} insns in all ({:.0} us per rule): speed {}, quick {}",
        totals[0] * 1e6 / n_rules as f64,
        per_1k(totals[0], n_insns),
        per_1k(totals[1], n_insns),
    );
}

fn workloads(c: &mut Criterion) {
    let mut summary = Summary::default();
    bench_program(c, &mut summary, "empty", EMPTY, empty_native);
    bench_program(c, &mut summary, "sum_256", SUM_256, sum_256_native);
    bench_program(c, &mut summary, "strcmp_64", STRCMP_64, strcmp_64_native);
    bench_program(
        c,
        &mut summary,
        "primes_1000",
        PRIMES_1000,
        primes_1000_native,
    );
    bench_program(
        c,
        &mut summary,
        "switch_256",
        &switch_256_source(),
        switch_256_native,
    );
    for (name, native) in RULES {
        bench_rule(c, &mut summary, name, native);
    }
    summary.print();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
}

criterion_group! {
    name = benches;
    config = config();
    targets = workloads
}

fn main() {
    report_compile_time();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
