#!/usr/bin/env bash
# Regenerates the BTF fixtures of vm/tests/btf.rs: each vm/tests/data/btf/X.c compiled to
# vm/tests/data/btf/X.o with clang 19, so that `cargo test` needs no compiler.
#
# The objects are byte-for-byte reproducible: clang runs inside the fixture folder on a
# relative path with `-fdebug-compilation-dir=.`, so no absolute path of the checkout
# reaches the DWARF or BTF (they then say `./X.c` and `X.c`).
#
# Usage: scripts/rebuild-btf-fixtures.sh [--check]
#   --check  compile into a temporary folder and fail if a committed object differs (CI).
# Needs clang 19 (CLANG, default clang-19) and the libbpf and kernel uapi headers
# (/usr/include/bpf, /usr/include/linux, /usr/include/x86_64-linux-gnu/asm).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$here/vm/tests/data/btf"
clang="${CLANG:-clang-19}"
command -v "$clang" >/dev/null || { echo "error: $clang not found (set CLANG)" >&2; exit 2; }
"$clang" --version | grep -q 'clang version 19\.' || {
    echo "error: $clang is not clang 19; the fixtures are made with clang 19" >&2
    exit 2
}

check=false
[[ "${1:-}" == "--check" ]] && check=true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$data"
status=0
for source in *.c; do
    object="${source%.c}.o"
    "$clang" -target bpf -O2 -g -fdebug-compilation-dir=. \
        -I/usr/include/x86_64-linux-gnu -c "$source" -o "$work/$object"
    if $check; then
        if ! cmp -s "$work/$object" "$object"; then
            echo "stale: vm/tests/data/btf/$object (run scripts/rebuild-btf-fixtures.sh)" >&2
            status=1
        fi
    else
        cp "$work/$object" "$object"
        echo "wrote vm/tests/data/btf/$object"
    fi
done
exit $status
