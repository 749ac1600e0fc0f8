"""Keep a shared cargo target directory honest across sessions of one workspace.

Every session works on a fresh copy of the workspace whose files keep their mtimes, and cargo
decides freshness by mtimes alone (a source file newer than the output means rebuild).  So after a
session that patched ``src/lib.rs`` built into the shared target dir, the next session with the
original file (older mtime) would find the patched build "fresh" and test the wrong code.

Before each cargo command we therefore compare sha256 sums of the workspace's files with a manifest
kept next to the outputs (one per command kind, because build / test and clippy compile different
units): every file whose content is not the one the outputs were built from is touched (now), and
every file whose content is gets an old fixed mtime, so that a patch applied again (``git apply``
writes the file anew) or a copy with new mtimes costs no rebuild.  Freshness becomes a matter of
content, as it should be for evaluations.  After a
successful command the manifest becomes the current sums; after a failed one only the files that
did not change stay in it (cargo may have stopped half way, so changed files stay suspect).  A lock
(``flock``) makes sync + cargo + manifest update one step for concurrent sessions.  Stable cargo
only; ``-Zchecksum-freshness`` would do this inside cargo but needs a nightly switch on every build.
"""

from __future__ import annotations

# $1 target dir, $2 manifest kind, $3 "merge" (stderr into stdout) or "plain"; the rest: the command.
SCRIPT = r"""
set -u
target="$1"; kind="$2"; merge="$3"; shift 3
mkdir -p "$target"
if command -v flock >/dev/null 2>&1; then exec 9>"$target/.gauntlet.lock" && flock 9; fi
manifest="$target/.gauntlet-sources-$kind"
now="$target/.gauntlet-now-$$"
find . \( -path ./target -o -path ./.git \) -prune -o -type f -print0 \
  | xargs -0 -r sha256sum | LC_ALL=C sort > "$now"
if [ -f "$manifest" ]; then
  LC_ALL=C comm -12 "$manifest" "$now" | cut -c67- | tr '\n' '\0' | xargs -0 -r touch -c -d @946684800 --
  LC_ALL=C comm -13 "$manifest" "$now" | cut -c67- | while IFS= read -r f; do touch -c -- "$f"; done
else
  cut -c67- "$now" | while IFS= read -r f; do touch -c -- "$f"; done
fi
if [ "$merge" = merge ]; then "$@" 2>&1; else "$@"; fi
rc=$?
if [ "$rc" -eq 0 ]; then
  mv -f "$now" "$manifest"
else
  if [ -f "$manifest" ]; then LC_ALL=C comm -12 "$manifest" "$now" > "$now.keep"; else : > "$now.keep"; fi
  mv -f "$now.keep" "$manifest"; rm -f "$now"
fi
exit "$rc"
"""


def wrap(argv: list[str], target_dir: str | None, kind: str, merge: bool = False) -> list[str]:
    """``argv`` run through the sync script (or bare, merged if asked, when there is no shared target)."""
    if target_dir is None:
        return ["sh", "-c", 'exec "$@" 2>&1', "sh", *argv] if merge else list(argv)
    return ["sh", "-c", SCRIPT, "sync", target_dir, kind, "merge" if merge else "plain", *argv]
