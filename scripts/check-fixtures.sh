#!/usr/bin/env bash
# Rebuilds every committed generated fixture into a scratch copy and fails if any differs
# from what is committed: tests run on committed fixtures, CI proves they are fresh.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for script in scripts/rebuild-*.sh; do
    [ -e "$script" ] || continue
    echo "checking $script"
    if ! bash "$script" --check; then
        echo "stale fixtures: run $script and commit the result" >&2
        status=1
    fi
done
exit $status
