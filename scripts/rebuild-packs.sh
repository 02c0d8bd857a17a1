#!/usr/bin/env bash
# Copies the example rule objects (examples/rules/*.o) into the bundled rule packs
# (examples/packs/*/), as each pack's pack.json names them: a pack is self-contained, so it
# holds copies. With --check, fails if a pack's copy differs from its source object.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
for manifest in examples/packs/*/pack.json; do
    pack=$(dirname "$manifest")
    # Every "object": "<name>.o" of the manifest comes from examples/rules/<name>.o.
    for object in $(grep -o '"object": *"[^"]*"' "$manifest" | sed 's/.*"\([^"]*\)"$/\1/'); do
        src="examples/rules/$(basename "$object")"
        [ -e "$src" ] || continue
        if [ $check = 1 ]; then
            if ! cmp -s "$src" "$pack/$object"; then
                echo "stale: $pack/$object (run scripts/rebuild-packs.sh)" >&2
                status=1
            fi
        else
            cp "$src" "$pack/$object"
            echo "copied $src to $pack/$object"
        fi
    done
done
exit $status
