#!/usr/bin/env bash
# The demo: builds ringfence and runs it on the bundled examples, narrating each step.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
rf() { echo "\$ ringfence $*"; ./target/release/ringfence "$@" 2>&1 || echo "(exit code $?)"; echo; }

echo "== 1. An assembly program, verified before it runs"
rf verify examples/asm/sum_bytes.s --mem-len 5
rf run examples/asm/sum_bytes.s --mem "01 02 03 04 05"

echo "== 2. Its unsafe twin reads one byte too many: refused, with the line and the path"
rf verify examples/asm/sum_bytes_unsafe.s --mem-len 5

echo "== 3. Detection rules in C, verified against the host's event schemas"
rf verify examples/rules/shell_in_container.o
rf run examples/rules/shell_in_container.o --event \
    '{"type": "process_exec", "pid": 4242, "exe": "/bin/bash", "tty": "pts/0", "container_id": "3f2a9c"}'
rf run examples/rules/shell_in_container.o --event \
    '{"type": "process_exec", "pid": 4242, "exe": "/bin/bash", "tty": "", "container_id": "3f2a9c"}'
rf run examples/rules/failed_logins.o --event \
    '{"type": "auth_attempt", "user": "root", "service": "sshd", "saddr": "198.51.100.7", "success": false}'

echo "== 4. A rule that reads an event string without a bounds check: refused at its C line"
rf verify examples/rules/refused/exe_first_byte_unchecked.o

echo "== 5. Channel File 291: a rule built for 21 fields, a host that supplies 20"
rf verify examples/rules/cf291/channel_291.o --schema examples/schemas/ipc_template_20.json

echo "== 6. Bad input gets one clear message and a non-zero exit"
rf run examples/asm/sum_bytes.s --mem "zz"
rf run examples/rules/shell_in_container.o --event '{"type": "process_exec", "pdi": 1}'

echo "== 7. The rule author's loop: tests, a failing test, the coverage gap, a trace"
rf test examples/
rf test examples/loop/shell_from_cron.test.jsonl --object examples/loop/shell_from_cron_v1.o
rf test examples/loop/shell_from_cron_first.test.jsonl --coverage --min-coverage 100
rf trace examples/loop/shell_from_cron_v1.o --event \
    '{"type": "process_exec", "exe": "/usr/bin/bash", "parent_exe": "/usr/sbin/cron"}'

echo "== 8. Replay the fix against the old version over synthetic telemetry (the canary diff)"
events="$(mktemp)"
trap 'rm -f "$events"' EXIT
./target/release/ringfence generate --events 20000 --seed 1 > "$events"
rf replay examples/loop/packs/v2 --events "$events" --baseline examples/loop/packs/v1 --show 2

echo "== 9. The engine: the bundled pack over the same events (events/s on this machine)"
rf bench examples/packs/endpoint --events "$events" --seconds 2

echo "== 10. Embedding: the example agent prints one JSON line per match"
echo "\$ cargo run --release --example embed -- examples/packs/sample-events.jsonl"
cargo run --release --quiet --example embed -- examples/packs/sample-events.jsonl 2>&1 || echo "(exit code $?)"
