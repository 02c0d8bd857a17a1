//! The engine's examples run in CI: examples/embed.rs on the sample events (its alerts are
//! compared with the expected ones) and examples/hot_reload.rs on a short stream (no event
//! lost or doubled). Each example's `run` is called in-process.

use std::path::{Path, PathBuf};

#[path = "../examples/embed.rs"]
mod embed;
#[path = "../examples/hot_reload.rs"]
mod hot_reload;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn embed_prints_an_alert_line_per_match_of_the_sample_events() {
    let events = std::fs::read(root().join("examples/packs/sample-events.jsonl")).unwrap();
    let mut out = Vec::new();
    let summary = embed::run(
        &root().join("examples/packs/endpoint"),
        &events[..],
        &mut out,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    let rules: Vec<(u64, String)> = out
        .lines()
        .map(|line| {
            let alert: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                alert["line"].as_u64().unwrap(),
                alert["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = [
        (2, "netcat_exec"),
        (4, "exec_from_dev_shm"),
        (6, "sensitive_file_read"),
        (7, "webserver_shell"),
        (7, "webshell_recon"),
    ]
    .iter()
    .map(|(line, rule)| (*line, rule.to_string()))
    .collect();
    assert_eq!(rules, expected, "{out}");
    assert_eq!(
        (summary.events, summary.matches, summary.bad_lines),
        (9, 5, 0)
    );
}

#[test]
fn embed_skips_bad_lines_and_goes_on() {
    let events = "{\"type\": \"process_exec\", \"exe\": \"/usr/bin/nc\", \"args\": [\"nc\", \"-e\", \"sh\"]}\nnot json\n{\"type\": \"nope\"}\n";
    let mut out = Vec::new();
    let summary = embed::run(
        &root().join("examples/packs/endpoint"),
        events.as_bytes(),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        (summary.events, summary.matches, summary.bad_lines),
        (1, 1, 2)
    );
}

#[test]
fn hot_reload_loses_and_doubles_no_event() {
    let report = hot_reload::run(&hot_reload::Config {
        pack: root().join("examples/packs/endpoint"),
        events: 6_000,
        threads: 2,
        swaps: 6,
    })
    .unwrap();
    assert_eq!((report.lost, report.doubled), (0, 0), "{report}");
    assert_eq!(report.evaluated, 6_000);
    assert_eq!(
        (report.reloads, report.rollbacks, report.refused),
        (4, 2, 2)
    );
    for (id, seen, counted) in &report.per_pack {
        assert_eq!(seen, counted, "pack {id}: {report}");
    }
    // One event in eight is a netcat reverse shell.
    assert_eq!(report.matches, 6_000 / 8);
}
