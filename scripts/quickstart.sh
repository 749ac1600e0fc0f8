#!/usr/bin/env bash
# From a fresh clone to a first result: a virtual environment with Gauntlet and its plugins, the
# bubblewrap jail, then `gauntlet check` on the bundled Python example with its fix patch, under the
# default local backend (no Docker). Safe to run again: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv test
ensure_bwrap

say "installed plugins (gauntlet plugins)"
gauntlet plugins

example=examples/python/slugify
say "checking the bundled example with its fix: gauntlet check $example --patch $example/fix.diff"
note "(copies the project into a jail, applies the patch, runs pytest and ruff, prints the reward)"
gauntlet check "$example" --patch "$example/fix.diff"

say "done. Next: the other patches of $example (failing.diff, broken.diff, fix-with-warning.diff),"
note "examples/{rust,go,typescript}/wordcount (need cargo, go, node on PATH), and README.md's links."
note "Activate the environment with: . .venv/bin/activate"
