"""Cold vs warm evaluation of a Go module through ``harness.evaluate.check``.

Every evaluation applies a one-line patch (two compiling mutations of the module, alternated) and
runs build (``go build`` + test compile), ``go test -json`` and lint (``go vet -json``, gofmt).
States of the per-workspace GOCACHE / GOMODCACHE (a private GAUNTLET_CACHE_DIR, so the user's
caches are not touched):

- cold: the caches are emptied before each run: the standard library packages the module imports
  and every package of the module compile, and every test binary links and runs;
- warm, other patch: the previous run evaluated the other patch: Go recompiles only the patched
  package and its dependents, and reuses cached test results of packages the patch does not reach;
- warm, same patch: the previous run evaluated the same patch: nothing compiles, test results
  come from Go's test cache (``(cached)``).

Usage: python bench/go_build_cache.py [--project plugins/go/tests/projects/textkit] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from harness.evaluate import CheckOptions, check
from harness.mutation import MutateOptions
from harness.plugins import get_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "plugins/go/tests/projects/textkit"


def once(project: Path, diff: str) -> tuple[float, float, float, float]:
    out = check(project, CheckOptions(language="go", patch=diff, timeout=120))
    if out.infra_error or not out.build or not out.build.ok or out.tests is None:
        raise SystemExit(f"evaluation failed: {out.infra_error or (out.build and out.build.log[-2000:])}")
    lint = out.duration - out.build.duration - out.tests.duration
    return out.duration, out.build.duration, out.tests.duration, lint


def two_patches(project: Path) -> list[str]:
    """Two one-line patches in different packages that compile: from the plugin's own mutations."""
    muts = get_plugin_manager().for_language("go").gauntlet_mutate(workspace=project, options=MutateOptions(language="go"))
    flips = [m for m in muts if m.operator == "comparison_flip" and "\n" not in m.original]
    if len(flips) < 2:
        raise SystemExit(f"{project}: fewer than two one-line mutations to use as patches")
    return [flips[0].diff, flips[-1].diff]


def bench(project: Path, repeat: int) -> None:
    patches = two_patches(project)
    cache = Path(tempfile.mkdtemp(prefix="gauntlet-bench-go-"))
    os.environ["GAUNTLET_CACHE_DIR"] = str(cache)
    rows = []
    try:
        cold = []
        for _ in range(repeat):
            _empty(cache)
            cold.append(once(project, patches[0]))
        rows.append(("cold (empty GOCACHE)", cold))
        other = [once(project, patches[(i + 1) % 2]) for i in range(repeat)]
        rows.append(("warm, other one-line patch", other))
        once(project, patches[0])  # the previous run now evaluated the same patch
        same = [once(project, patches[0]) for _ in range(repeat)]
        rows.append(("warm, same patch again", same))
    finally:
        _empty(cache)
        shutil.rmtree(cache, ignore_errors=True)
    name = project.relative_to(ROOT) if project.is_relative_to(ROOT) else project
    print(f"project: {name}  (median of {repeat}; build+tests+vet+gofmt through harness.evaluate.check)")
    print(f"{'state':30} {'total s':>8} {'build s':>8} {'tests s':>8} {'lint+rest s':>11} {'cold/this':>9}")
    cold_total = _median(rows[0][1])[0]
    for label, runs in rows:
        total, build, tests, lint = _median(runs)
        print(f"{label:30} {total:8.2f} {build:8.2f} {tests:8.2f} {lint:11.2f} {cold_total / total:8.1f}x")


def _empty(cache: Path) -> None:
    """Remove the caches; Go writes its module cache read-only, so make it writable first."""
    for dirpath, dirnames, _ in os.walk(cache):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(cache / "local", ignore_errors=True)


def _median(runs):
    return tuple(statistics.median(r[i] for r in runs) for i in range(4))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bench(args.project.resolve(), args.repeat)


if __name__ == "__main__":
    main()
