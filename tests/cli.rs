//! The command-line contract: exit codes (0 ok, 1 rejected or faulted, 2 unreadable input),
//! one clear message naming the place for every kind of bad input, and no panics.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ringfence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn example(name: &str) -> String {
    format!("{}/examples/asm/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Asserts the exit code and that stderr (or stdout) holds `needle`; never a panic.
fn expect(output: &Output, code: i32, needle: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains(needle) || stderr.contains(needle),
        "expected `{needle}` in\nstdout: {stdout}\nstderr: {stderr}"
    );
}

#[test]
fn run_prints_r0_in_hex() {
    let out = ringfence(&["run", &example("sum_bytes.s"), "--mem", "01 02 03 04"]);
    expect(&out, 0, "0xa");
}

#[test]
fn verify_accepts_with_a_summary_and_rejects_with_a_diagnostic() {
    let out = ringfence(&["verify", &example("sum_bytes.s"), "--mem-len", "64"]);
    expect(&out, 0, "accepted");
    let out = ringfence(&["verify", &example("sum_bytes_unsafe.s"), "--mem-len", "64"]);
    expect(&out, 1, "sum_bytes_unsafe.s:");
    let out = ringfence(&[
        "verify",
        &example("sum_bytes_unsafe.s"),
        "--mem-len",
        "64",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["verdict"], "rejected");
    assert!(json["source"]["line"].as_u64().is_some(), "{json}");
}

#[test]
fn asm_then_disasm_round_trips() {
    let bin = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sum_bytes.bin");
    expect(
        &ringfence(&["asm", &example("sum_bytes.s"), "-o", bin.to_str().unwrap()]),
        0,
        "wrote",
    );
    let out = ringfence(&["disasm", bin.to_str().unwrap()]);
    expect(&out, 0, "r5 = *(u8 *)(r4 + 0)");
}

#[test]
fn bad_inputs_get_one_clear_message_and_exit_2() {
    let garbage = scratch("garbage.bin", b"\xff\xff\xff\xff\xff\xff\xff\xff");
    expect(
        &ringfence(&["run", garbage.to_str().unwrap()]),
        2,
        "unknown opcode 0xff",
    );
    let truncated = scratch("truncated.bin", &[0xb7, 0, 0, 0, 1]);
    expect(
        &ringfence(&["run", truncated.to_str().unwrap()]),
        2,
        "not a multiple of 8",
    );
    let typo = scratch("typo.s", b"r0 = 1\nexitt\n");
    expect(
        &ringfence(&["run", typo.to_str().unwrap()]),
        2,
        "typo.s:2:1",
    );
    expect(
        &ringfence(&["run", &example("sum_bytes.s"), "--mem", "0g"]),
        2,
        "--mem is not hex",
    );
    expect(
        &ringfence(&["run", "/nonexistent/x.s"]),
        2,
        "cannot read /nonexistent/x.s",
    );
    let not_elf = scratch("not_elf.o", b"hello");
    expect(
        &ringfence(&["verify", not_elf.to_str().unwrap()]),
        2,
        "not an ELF object",
    );
}

#[test]
fn an_unsafe_program_is_refused_before_it_runs() {
    // One byte past the end: the verifier refuses, nothing runs.
    let out = ringfence(&["run", &example("sum_bytes_unsafe.s"), "--mem", "01 02 03"]);
    expect(&out, 1, "OutOfBounds");
    // With --no-verify the checked interpreter runs it and catches the fault at run time.
    let out = ringfence(&[
        "run",
        &example("sum_bytes_unsafe.s"),
        "--mem",
        "01 02 03",
        "--no-verify",
    ]);
    expect(&out, 1, "outside every region");
}

#[test]
fn conformance_plugin_speaks_the_runner_protocol() {
    use std::io::Write;
    use std::process::Stdio;
    // mov %r0, %r2 ; exit  — r0 = the memory length.
    let program = "bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(["conformance-plugin", "00  00  00  01  00  00  00  02  "])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(program.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "8");
}

#[test]
fn every_engine_runs_programs_and_rules_alike() {
    for engine in ["jit", "interp", "checked"] {
        let out = ringfence(&[
            "run",
            &example("sum_bytes.s"),
            "--mem",
            "01 02 03 04",
            "--engine",
            engine,
        ]);
        expect(&out, 0, "0xa");
        let rule = format!(
            "{}/examples/rules/exec_from_dev_shm.o",
            env!("CARGO_MANIFEST_DIR")
        );
        let event = r#"{"type": "process_exec", "pid": 7, "exe": "/dev/shm/x"}"#;
        let out = ringfence(&["run", &rule, "--event", event, "--engine", engine]);
        expect(&out, 0, "exec_from_dev_shm: match");
        let out = ringfence(&["verify", &rule, "--engine", engine]);
        expect(&out, 0, "accepted");
    }
    let out = ringfence(&["run", &example("sum_bytes.s"), "--engine", "wasm"]);
    expect(&out, 2, "invalid value 'wasm'");
    // Unverified programs run checked: in the checked JIT, or refused by the fast interpreter.
    let unsafe_program = example("sum_bytes_unsafe.s");
    let base = ["run", &unsafe_program, "--mem", "01 02 03", "--no-verify"];
    let out = ringfence(&[&base[..], &["--engine", "jit"]].concat());
    expect(&out, 1, "outside every region");
    let out = ringfence(&[&base[..], &["--engine", "interp"]].concat());
    expect(&out, 2, "verified programs only");
}

#[test]
fn the_conformance_plugin_takes_an_engine() {
    use std::io::Write;
    use std::process::Stdio;
    // mov %r0, %r2 ; exit  — r0 = the memory length.
    let program = "bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n";
    for engine in ["jit", "interp", "checked"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ringfence"))
            .args(["conformance-plugin", "00 01 02", "--engine", engine])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(program.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{engine}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3", "{engine}");
    }
}

/// Output to a reader that has gone (`ringfence disasm x | head -1`) ends every command
/// quietly, with the shell's code for a closed pipe (141): no panic, nothing on stderr. The
/// pipe's read end is closed before the command starts, so its first write fails.
#[test]
fn output_to_a_closed_pipe_ends_the_command_quietly() {
    let sum = example("sum_bytes.s");
    let event = r#"{"type": "process_exec", "pid": 902, "exe": "/usr/bin/bash", "args": ["bash"], "parent_exe": "/usr/sbin/cron"}"#;
    let commands: &[&[&str]] = &[
        &["disasm", &sum],
        &["run", &sum, "--mem", "01 02 03 04"],
        &["verify", &sum, "--mem-len", "64"],
        &["verify", &sum, "--mem-len", "64", "--format", "json"],
        &["verify", &example("sum_bytes_unsafe.s"), "--mem-len", "64"],
        &["schema"],
        &["schema", "--c-header"],
        &["test", "examples/"],
        &[
            "trace",
            "examples/loop/shell_from_cron_v1.o",
            "--event",
            event,
        ],
        &["conformance-plugin"],
    ];
    // The plugin's program on its stdin: `r0 = 7; exit`.
    let program = scratch("closed_pipe.hex", b"b700000007000000 9500000000000000\n");
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
            .args(*args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(std::fs::File::open(&program).unwrap())
            .stdout(writer)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}\nstderr: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
