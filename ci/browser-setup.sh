#!/bin/sh
# Install Debian's chromium for the leaderboard browser test (tests/test_leaderboards.py); idempotent.
set -eu
if command -v chromium >/dev/null 2>&1; then
    echo "chromium present: $(chromium --version 2>/dev/null || echo unknown version)"
else
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
fi
python -c "import playwright" 2>/dev/null || python -m pip install --quiet playwright
# Never `playwright install`: the test drives /usr/bin/chromium.
