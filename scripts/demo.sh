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
