//! The engine's hot path allocates nothing in steady state: once an evaluator has met the
//! running pack and its buffers have grown, `Evaluator::evaluate` (taking the pack, running
//! the event's bucket, counting and timing statistics, collecting matches and alerts) does
//! not touch the allocator, on the JIT and the fast interpreter. Counted with a global
//! allocator that counts this thread's allocations.

use std::path::Path;

use ringfence_vm::engine::{Engine, Timing};
use ringfence_vm::event::EventBuf;
use ringfence_vm::Backend;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn evaluating_with_the_engine_allocates_nothing_once_warm() {
    if !Backend::jit_available() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("examples/packs/sample-events.jsonl")).unwrap();
    let cases = [
        (Backend::Jit, Timing::Off),
        (Backend::Jit, Timing::Sampled { every: 4 }),
        (Backend::Jit, Timing::Every),
        (Backend::Interpreter, Timing::Sampled { every: 4 }),
    ];
    for (backend, timing) in cases {
        let engine = Engine::builder()
            .backend(backend)
            .timing(timing)
            .build()
            .unwrap();
        engine
            .load_pack(root.join("examples/packs/endpoint"))
            .unwrap();
        let events: Vec<EventBuf> = text
            .lines()
            .map(|line| {
                let mut event = EventBuf::new();
                engine.encoder().encode_line(line, 1, &mut event).unwrap();
                event
            })
            .collect();
        let mut evaluator = engine.evaluator();
        let run = |evaluator: &mut ringfence_vm::Evaluator| {
            let mut matches = 0;
            for event in &events {
                let evaluation = evaluator.evaluate(event).unwrap();
                matches += evaluation.matched_indices().len() + evaluation.alerts().len();
            }
            matches
        };
        let warm = run(&mut evaluator);
        let before = allocations();
        let mut matches = 0;
        for _ in 0..10 {
            matches += run(&mut evaluator);
        }
        assert_eq!(allocations() - before, 0, "{backend} {timing:?}");
        assert_eq!(matches, 10 * warm);
        assert!(
            warm > 0,
            "the sample events match some rules (and raise alerts)"
        );
        // After a swap the first event registers the evaluator with the new pack; then
        // the steady state is allocation-free again.
        engine
            .load_pack(root.join("examples/packs/endpoint"))
            .unwrap();
        run(&mut evaluator);
        let before = allocations();
        run(&mut evaluator);
        assert_eq!(
            allocations() - before,
            0,
            "{backend} {timing:?} after a swap"
        );
    }
}
