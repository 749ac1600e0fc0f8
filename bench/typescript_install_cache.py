"""Cold vs warm evaluation of a TypeScript package through ``harness.evaluate.check``.

Three states of the caches (a private GAUNTLET_CACHE_DIR, so the user's caches are not touched):

- cold: empty caches, with the network: npm downloads every package;
- npm cache: the npm cache is full but the saved node_modules is gone: ``npm ci --offline``;
- warm: node_modules for this lockfile hash is copied back, npm does not run.

Usage: python bench/typescript_install_cache.py [--package plugins/typescript/tests/packages/vitest_ts] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from harness.evaluate import CheckOptions, check

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "plugins/typescript/tests/packages/vitest_ts"


def once(package: Path, network: bool) -> tuple[float, float, float, str]:
    out = check(package, CheckOptions(language="typescript", network=network))
    if out.infra_error or not out.build or not out.build.ok or not out.tests or not out.tests.passed:
        raise SystemExit(f"evaluation failed: {out.infra_error or (out.build and out.build.log[-2000:])}")
    how = out.build.log.split("]", 1)[0].removeprefix("[dependencies: ")
    return out.duration, out.build.duration, out.tests.duration, how


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    package = args.package.resolve()
    cache = Path(tempfile.mkdtemp(prefix="gauntlet-bench-ts-"))
    os.environ["GAUNTLET_CACHE_DIR"] = str(cache)
    rows = []
    try:
        rows.append(("cold (empty caches, network)", once(package, network=True)))
        npm_only = []
        for _ in range(args.repeat):
            for entry in (cache / "local").glob("*/node_modules"):
                shutil.rmtree(entry)
            npm_only.append(once(package, network=False))
        rows.append(("npm cache only (offline install)", _median(npm_only)))
        warm = [once(package, network=False) for _ in range(args.repeat)]
        rows.append(("warm (node_modules reused)", _median(warm)))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"package: {package.relative_to(ROOT) if package.is_relative_to(ROOT) else package}"
          f"  (median of {args.repeat} for the offline rows)")
    print(f"{'state':36} {'deps':12} {'total s':>8} {'build s':>8} {'tests s':>8} {'vs warm':>8}")
    warm_total = rows[-1][1][0]
    for name, (total, build, tests, how) in rows:
        print(f"{name:36} {how:12} {total:8.2f} {build:8.2f} {tests:8.2f} {total / warm_total:7.1f}x")


def _median(runs):
    """The run with the median total time (repeat is odd by default, so it is a real run)."""
    return sorted(runs, key=lambda r: r[0])[len(runs) // 2]


if __name__ == "__main__":
    main()
