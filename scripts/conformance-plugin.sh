#!/usr/bin/env bash
# The bpf_conformance runner calls its plugin as `PLUGIN [MEMHEX] [OPTIONS...]`, with
# --plugin_options after MEMHEX, so it cannot pass a subcommand first. Point the runner's
# --plugin_path at this script; RINGFENCE names the binary (default: the release build),
# RINGFENCE_ENGINE the engine (`jit`, `interp` or `checked`; default: the JIT where the host
# has one). Extra arguments (`--elf`, `--engine interp`) pass through.
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "${RINGFENCE:-$here/target/release/ringfence}" conformance-plugin \
    ${RINGFENCE_ENGINE:+--engine "$RINGFENCE_ENGINE"} "$@"
