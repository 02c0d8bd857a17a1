//! Evaluating a rule allocates nothing once its scratch has warmed up: the hot path of the
//! engine (millions of events a second per core) must not touch the allocator. Counted with
//! a global allocator that counts this thread's allocations, on every backend that promises
//! it (the JIT, the fast interpreter), over example rules of `process_exec`, including rules
//! that call helpers (which see the run's memory) and, through `failed_logins`, maps.

use std::path::PathBuf;

use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig};
use ringfence_vm::{Backend, RunState, Scratch};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn evaluating_a_rule_on_the_jit_allocates_nothing_once_warm() {
    if Backend::jit_available() {
        allocates_nothing_once_warm(Backend::Jit);
    }
}

#[test]
fn evaluating_a_rule_on_the_fast_interpreter_allocates_nothing_once_warm() {
    allocates_nothing_once_warm(Backend::Interpreter);
}

fn allocates_nothing_once_warm(backend: Backend) {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let schemas = SchemaSet::endpoint();
    let encoder = Encoder::new(&schemas);
    let config = RuleConfig {
        backend,
        ..RuleConfig::default()
    };
    let events = [
        r#"{"type": "process_exec", "exe": "/dev/shm/x", "args": ["nc", "-e", "/bin/sh"], "parent_exe": "/usr/sbin/nginx", "container_id": "abc"}"#,
        r#"{"type": "process_exec", "exe": "/usr/bin/ls", "args": ["ls"], "cwd": "/"}"#,
        r#"{"type": "auth_attempt", "saddr": "198.51.100.7", "success": false}"#,
    ];
    let mut rules = Vec::new();
    for name in [
        "exe_first_byte",
        "exec_from_dev_shm",
        "netcat_exec",
        "webshell_recon",
        "webserver_shell",
        "shell_in_container",
        "failed_logins",
    ] {
        let bytes = std::fs::read(root.join(format!("examples/rules/{name}.o"))).unwrap();
        rules.push(load_rules(&bytes, &schemas, &config).unwrap());
    }
    let mut bufs: Vec<EventBuf> = events
        .iter()
        .map(|line| {
            let mut buf = EventBuf::new();
            encoder.encode_line(line, 1, &mut buf).unwrap();
            buf
        })
        .collect();
    let mut scratch = Scratch::new();
    let mut state = RunState::default();
    let mut evaluate_all = |state: &mut RunState, bufs: &mut [EventBuf]| {
        let mut evaluated = 0;
        for buf in bufs.iter() {
            for object in &rules {
                for rule in object
                    .rules
                    .iter()
                    .filter(|r| r.event_type == buf.type_id())
                {
                    state.clear();
                    rule.evaluate_with(buf, &mut scratch, Some(state)).unwrap();
                    evaluated += 1;
                }
            }
        }
        // The convenience entry, with its per-thread scratch.
        for buf in bufs.iter_mut() {
            let type_id = buf.type_id();
            for object in &rules {
                for rule in object.rules.iter().filter(|r| r.event_type == type_id) {
                    state.clear();
                    rule.evaluate(buf, &object.maps, state).unwrap();
                }
            }
        }
        evaluated
    };
    // Warm up: the scratch, the thread's scratch and the maps' entries grow here.
    evaluate_all(&mut state, &mut bufs);
    let before = allocations();
    let mut evaluated = 0;
    for _ in 0..100 {
        evaluated += evaluate_all(&mut state, &mut bufs);
    }
    assert!(evaluated >= 1000, "{evaluated}");
    assert_eq!(
        allocations() - before,
        0,
        "{backend}: {evaluated} evaluations allocated"
    );
}
