//! Hot swap under load: threads evaluate events while another thread swaps packs, rolls
//! back and tries a broken pack; afterwards every event was evaluated exactly once, by the
//! pack that said it evaluated it.
//!
//! The pack (vm/tests/data/engine/count) has one rule that counts each event by its pid in an
//! array map. Every compile of it gets fresh maps, so after the run each pack's map holds
//! exactly the events that pack evaluated. Its twin marks the rule `keep_maps`: then every
//! pack shares one map, which holds each event exactly once. No timing is asserted: the evaluating threads pace
//! themselves on the swapper's progress, so several packs take part whatever the speed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use ringfence_vm::engine::{Engine, Pack};
use ringfence_vm::event::EventBuf;

const THREADS: u32 = 4;
const EVENTS_PER_THREAD: u32 = 3_000;
/// The evaluating threads work in this many chunks, and start chunk `c` only after the
/// swapper has made `c` swaps.
const CHUNKS: u32 = 12;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/engine")
        .join(path)
}

/// A new scratch directory `name` holding the count rule's object (its manifest is the
/// caller's to write).
fn scratch_count_pack(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringfence-stress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data("count/count_events.o"), dir.join("count_events.o")).unwrap();
    dir
}

/// The count pack plus a rule the verifier refuses, in a scratch directory.
fn broken_pack() -> PathBuf {
    let dir = scratch_count_pack("broken");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/rules/refused/exe_first_byte_unchecked.o"),
        dir.join("unchecked.o"),
    )
    .unwrap();
    std::fs::write(
        dir.join("pack.json"),
        r#"{"name": "broken", "version": "2", "schema_versions": {"process_exec": 1},
            "rules": [{"id": "count_events", "object": "count_events.o"},
                      {"id": "unchecked", "object": "unchecked.o"}]}"#,
    )
    .unwrap();
    dir
}

/// How many times `pack`'s rule counted event `id`.
fn count(pack: &Pack, id: u32) -> u64 {
    let maps = pack.maps("count_events").unwrap();
    let (_, counts) = maps.by_name("counts").unwrap();
    let value = counts.get(&id.to_le_bytes()).unwrap();
    u64::from_le_bytes(value.try_into().unwrap())
}

/// Starts the evaluating threads: each waits at `start`, then evaluates its share of the
/// events (pid `i * THREADS + thread`) in [`CHUNKS`] chunks, chunk `c` once `swaps` is at
/// least `c`, checking each verdict. Each returns (event id, id of the pack that evaluated
/// it) for its events.
fn start_evaluators(
    engine: &Engine,
    swaps: &Arc<AtomicU64>,
    start: &Arc<Barrier>,
) -> Vec<std::thread::JoinHandle<Vec<(u32, u64)>>> {
    (0..THREADS)
        .map(|thread| {
            let (engine, swaps, start) = (engine.clone(), swaps.clone(), start.clone());
            std::thread::spawn(move || {
                let mut evaluator = engine.evaluator();
                let mut event = EventBuf::new();
                let mut seen = Vec::new();
                start.wait();
                for chunk in 0..CHUNKS {
                    while swaps.load(Ordering::Acquire) < u64::from(chunk) {
                        std::thread::yield_now();
                    }
                    let per_chunk = EVENTS_PER_THREAD / CHUNKS;
                    for i in chunk * per_chunk..(chunk + 1) * per_chunk {
                        let id = i * THREADS + thread;
                        engine
                            .encoder()
                            .encode_line(
                                &format!(r#"{{"type": "process_exec", "pid": {id}}}"#),
                                1,
                                &mut event,
                            )
                            .unwrap();
                        let evaluation = evaluator.evaluate(&event).unwrap();
                        assert_eq!(evaluation.rules_evaluated(), 1);
                        assert!(evaluation.faults().is_empty());
                        assert_eq!(evaluation.is_match(), id % 2 == 1);
                        if id % 2 == 1 {
                            let alert = &evaluation.alerts()[0].alert;
                            assert_eq!(alert.payload(), id.to_le_bytes());
                        }
                        seen.push((id, evaluation.pack().unwrap().id));
                    }
                }
                seen
            })
        })
        .collect()
}

#[test]
fn every_event_is_evaluated_exactly_once_while_packs_are_swapped() {
    let engine = Engine::builder().build().unwrap();
    engine.load_pack(data("count")).unwrap();
    // Every pack that ever ran, by id.
    let mut packs: Vec<Arc<Pack>> = vec![engine.current_pack().unwrap()];
    let swaps = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(THREADS as usize + 1));

    let evaluators = start_evaluators(&engine, &swaps, &start);

    // The swapper: a new pack, a rollback, a broken pack (refused), in a loop.
    let broken = broken_pack();
    start.wait();
    let mut round = 0u64;
    while !done.load(Ordering::Acquire) {
        match round % 3 {
            0 | 1 => {
                let pack = engine.compile_pack(data("count")).unwrap();
                engine.install(pack).unwrap();
                packs.push(engine.current_pack().unwrap());
            }
            _ => {
                let before = engine.current().unwrap().id;
                let error = engine.load_pack(&broken).unwrap_err();
                assert_eq!(error.diagnostics.len(), 1, "{error}");
                assert!(error.to_string().contains("unchecked.o (rule `unchecked`)"));
                assert_eq!(
                    engine.current().unwrap().id,
                    before,
                    "a refused pack changed nothing"
                );
                let back = engine.rollback().unwrap();
                assert_ne!(back.id, before);
            }
        }
        // Statistics are read while the evaluators count.
        let stats = engine.stats().unwrap();
        assert!(stats.rules[0].evaluations <= stats.events);
        round += 1;
        swaps.fetch_add(1, Ordering::Release);
        if swaps.load(Ordering::Acquire) >= u64::from(CHUNKS) {
            done.store(true, Ordering::Release);
        }
    }
    let mut evaluated_by = vec![None; (THREADS * EVENTS_PER_THREAD) as usize];
    for thread in evaluators {
        for (id, pack) in thread.join().unwrap() {
            assert!(
                evaluated_by[id as usize].replace(pack).is_none(),
                "event {id} twice"
            );
        }
    }
    let n_events = (THREADS * EVENTS_PER_THREAD / CHUNKS * CHUNKS) as usize;
    let used: std::collections::BTreeSet<u64> = evaluated_by.iter().flatten().copied().collect();
    assert!(used.len() > 2, "only packs {used:?} evaluated events");
    for (id, by) in evaluated_by.iter().enumerate().take(n_events) {
        let by = by.unwrap_or_else(|| panic!("event {id} was never evaluated"));
        for pack in &packs {
            let expected = u64::from(pack.info().id == by);
            assert_eq!(
                count(pack, id as u32),
                expected,
                "event {id}: pack {} counted it {} times; pack {by} said it evaluated it",
                pack.info().id,
                count(pack, id as u32)
            );
        }
    }
    // The statistics agree with the maps.
    let total: u64 = packs
        .iter()
        .map(|pack| pack.stats().rules[0].evaluations)
        .sum();
    assert_eq!(total, n_events as u64);
}

#[test]
fn the_replaced_pack_is_freed_once_nothing_uses_it() {
    let engine = Engine::builder().build().unwrap();
    engine.load_pack(data("count")).unwrap();
    let first = Arc::downgrade(&engine.current_pack().unwrap());
    let mut evaluator = engine.evaluator();
    let mut event = EventBuf::new();
    engine
        .encoder()
        .encode_line(r#"{"type": "process_exec", "pid": 3}"#, 1, &mut event)
        .unwrap();
    evaluator.evaluate(&event).unwrap();
    engine.load_pack(data("count")).unwrap();
    // Kept for rollback.
    assert!(first.upgrade().is_some());
    engine.load_pack(data("count")).unwrap();
    // Two swaps later nothing holds it, though the evaluator that used it still lives.
    assert!(first.upgrade().is_none());
    let second = Arc::downgrade(&engine.current_pack().unwrap());
    engine.release_previous();
    engine.load_pack(data("count")).unwrap();
    engine.release_previous();
    assert!(second.upgrade().is_none());
    // The evaluator moves on to the running pack.
    let evaluation = evaluator.evaluate(&event).unwrap();
    assert_eq!(evaluation.pack().unwrap().id, engine.current().unwrap().id);
}

/// The count pack with `keep_maps` on its rule, in a scratch directory.
fn keeping_pack() -> PathBuf {
    let dir = scratch_count_pack("keep");
    std::fs::write(
        dir.join("pack.json"),
        r#"{"name": "count-events", "version": "2", "schema_versions": {"process_exec": 1},
            "rules": [{"id": "count_events", "object": "count_events.o", "keep_maps": true}]}"#,
    )
    .unwrap();
    dir
}

/// The same load with `keep_maps`: every pack of the run shares the first one's map, and
/// after the run that map holds each event exactly once, whichever pack evaluated it: no
/// count is lost or doubled by a swap or a rollback in the middle of the stream.
#[test]
fn with_keep_maps_every_swap_shares_one_map_that_counts_each_event_once() {
    let dir = keeping_pack();
    let engine = Engine::builder().build().unwrap();
    engine.load_pack(&dir).unwrap();
    let mut packs: Vec<Arc<Pack>> = vec![engine.current_pack().unwrap()];
    let swaps = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(THREADS as usize + 1));
    let evaluators = start_evaluators(&engine, &swaps, &start);
    start.wait();
    for round in 0..CHUNKS {
        if round % 3 == 2 {
            engine.rollback().unwrap();
        } else {
            let pack = engine.compile_pack(&dir).unwrap();
            assert_eq!(pack.info().rules[0].carried_maps, ["counts"]);
            engine.install(pack).unwrap();
            packs.push(engine.current_pack().unwrap());
        }
        swaps.fetch_add(1, Ordering::Release);
    }
    let mut used = std::collections::BTreeSet::new();
    for thread in evaluators {
        used.extend(thread.join().unwrap().into_iter().map(|(_, pack)| pack));
    }
    assert!(used.len() > 2, "only packs {used:?} evaluated events");
    let first = packs[0]
        .maps("count_events")
        .unwrap()
        .by_name("counts")
        .unwrap()
        .1;
    for pack in &packs {
        let (_, counts) = pack
            .maps("count_events")
            .unwrap()
            .by_name("counts")
            .unwrap();
        assert!(
            Arc::ptr_eq(first, counts),
            "pack {} has a map of its own",
            pack.info().id
        );
    }
    let n_events = THREADS * (EVENTS_PER_THREAD / CHUNKS * CHUNKS);
    for id in 0..n_events {
        assert_eq!(count(&packs[0], id), 1, "event {id}");
    }
    assert_eq!(count(&packs[0], n_events), 0);
}
