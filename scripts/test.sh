#!/usr/bin/env bash
# The test suite: a virtual environment with Gauntlet, every plugin and the test tools, the
# bubblewrap jail, then `python -m pytest -q` (arguments are passed on to pytest). Tests that need
# what this machine lacks (Docker, cargo, go, node, the train extra) skip and say why; .ci/run
# installs all of it first and then runs this script. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv "${GAUNTLET_EXTRAS:-all}"
ensure_bwrap

say "running the tests: python -m pytest -q $*"
exec python -m pytest -q "$@"
