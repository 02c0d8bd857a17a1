#!/usr/bin/env bash
# The demo: builds ringfence and runs it on the bundled examples, narrating each step.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
rf() { echo "\$ ringfence $*"; ./target/release/ringfence "$@" || echo "(exit code $?)"; echo; }

echo "== An assembly program: sum the bytes of a buffer"
rf disasm examples/asm/sum_bytes.s
rf run examples/asm/sum_bytes.s --mem "01 02 03 04 05"

echo "== The same program as raw bytecode, and back"
rf asm examples/asm/sum_bytes.s -o target/sum_bytes.bin
rf run target/sum_bytes.bin --mem "0a 0b 0c"

echo "== Bad input gets one clear message and a non-zero exit"
rf run examples/asm/sum_bytes.s --mem "zz"
