#!/usr/bin/env bash
# Compiles the C rules (examples/rules) and the C test fixtures with clang-19, and puts the
# objects next to their sources, ready to commit: `cargo test` needs no clang.
# With --check, compiles into a scratch directory and fails if a committed object differs.
# Sources are compiled from the repository root with relative paths and a fixed debug
# compilation directory, so the objects do not depend on where the checkout lives.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && check=1
CLANG=${CLANG:-clang-19}
flags=(-target bpf -O2 -g -fdebug-compilation-dir=. -I/usr/include/x86_64-linux-gnu -Isdk/include)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for src in vm/tests/data/elf/*.c tests/data/clang/*.c vm/tests/data/engine/*/*.c examples/rules/*.c examples/rules/refused/*.c examples/rules/cf291/*.c examples/loop/*.c; do
    dir=$(dirname "$src"); name=$(basename "$src" .c)
    out="$scratch/$name.o"
    "$CLANG" "${flags[@]}" -c "$src" -o "$out"
    if [ $check = 1 ]; then
        if ! cmp -s "$out" "$dir/$name.o"; then
            echo "stale: $dir/$name.o (run scripts/rebuild-c-fixtures.sh)" >&2
            status=1
        fi
    else
        cp "$out" "$dir/$name.o"
        echo "built $dir/$name.o"
    fi
done
exit $status
