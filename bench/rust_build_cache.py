"""Cold vs warm evaluation of a Rust workspace through ``harness.evaluate.check``.

Every evaluation applies a one-line patch (two compiling mutations of the project, alternated) and
runs build, tests and clippy.  States of the shared cargo target dir (a private GAUNTLET_CACHE_DIR,
so the user's caches are not touched):

- cold: the target dir is emptied before each run: every crate of the workspace compiles;
- warm, other patch: the previous run evaluated the other patch: cargo rebuilds only the patched
  crate and its dependents (incremental), the rest is reused;
- warm, same patch: the previous run evaluated the same patch: nothing compiles.

The example workspace has no dependencies, so its cold build is small; ``--deps`` also measures a
generated crate that depends on ``syn`` (full parser), fetched once through cargo with network,
where a cold build compiles proc-macro2, quote and syn and a warm one only the patched crate.

Usage: python bench/rust_build_cache.py [--project plugins/rust/tests/projects/geo_ws] [--repeat 3] [--deps]
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
from harness.sandbox.local import LocalBackend

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "plugins/rust/tests/projects/geo_ws"


def once(project: Path, diff: str) -> tuple[float, float, float, float]:
    out = check(project, CheckOptions(language="rust", patch=diff))
    if out.infra_error or not out.build or not out.build.ok or out.tests is None:
        raise SystemExit(f"evaluation failed: {out.infra_error or (out.build and out.build.log[-2000:])}")
    lint = out.duration - out.build.duration - out.tests.duration
    return out.duration, out.build.duration, out.tests.duration, lint


def two_patches(project: Path) -> list[str]:
    """Two one-line patches that compile: comparison flips, from the plugin's own mutations."""
    muts = get_plugin_manager().for_language("rust").gauntlet_mutate(workspace=project, options=MutateOptions(language="rust"))
    flips = [m for m in muts if m.operator in ("comparison_flip", "off_by_one") and "\n" not in m.original]
    if len(flips) < 2:
        raise SystemExit(f"{project}: fewer than two one-line mutations to use as patches")
    return [flips[0].diff, flips[-1].diff]


DEPS_MANIFEST = """[package]
name = "fncount"
version = "0.1.0"
edition = "2021"

[dependencies]
syn = { version = "2", features = ["full"] }
"""
DEPS_LIB = """/// Number of functions in a Rust source file, or None when it does not parse.
pub fn count_fns(src: &str) -> Option<usize> {
    let file = syn::parse_file(src).ok()?;
    Some(file.items.iter().filter(|i| matches!(i, syn::Item::Fn(_))).count())
}

/// Is the source longer than `limit` functions?
pub fn too_many_fns(src: &str, limit: usize) -> bool {
    count_fns(src).map(|n| n > limit).unwrap_or(false)
}

/// Is a function name short (at most 8 characters)?
pub fn short_name(name: &str) -> bool {
    name.len() <= 8
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::count_fns("fn a() {} fn b() {} struct S;"), Some(2));
        assert!(super::too_many_fns("fn a() {} fn b() {}", 1));
    }
}
"""


def deps_project(where: Path) -> Path:
    """A crate depending on syn, its crates fetched into cargo's cache (the plugin's prepare step)."""
    project = where / "fncount"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(DEPS_MANIFEST)
    (project / "src/lib.rs").write_text(DEPS_LIB)
    spec = get_plugin_manager().for_language("rust").gauntlet_image(language="rust")
    with LocalBackend().open(project, network=True) as prep:
        for cmd in (*spec.prepare, "cargo generate-lockfile --offline"):
            r = prep.exec(["sh", "-c", cmd], timeout=600)
            if r.exit_code != 0:
                raise SystemExit(f"{cmd} failed: {r.output[-500:]}")
        (project / "Cargo.lock").write_bytes(prep.read_file("Cargo.lock"))
    return project


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--deps", action="store_true", help="also measure a generated crate that depends on syn")
    args = ap.parse_args()
    bench(args.project.resolve(), args.repeat)
    if args.deps:
        with tempfile.TemporaryDirectory(prefix="gauntlet-bench-deps-") as tmp:
            print()
            bench(deps_project(Path(tmp)), args.repeat)


def bench(project: Path, repeat: int) -> None:
    patches = two_patches(project)
    cache = Path(tempfile.mkdtemp(prefix="gauntlet-bench-rust-"))
    os.environ["GAUNTLET_CACHE_DIR"] = str(cache)
    rows = []
    try:
        cold = []
        for _ in range(repeat):
            shutil.rmtree(cache / "local", ignore_errors=True)
            cold.append(once(project, patches[0]))
        rows.append(("cold (empty target dir)", cold))
        other = [once(project, patches[(i + 1) % 2]) for i in range(repeat)]
        rows.append(("warm, other one-line patch", other))
        once(project, patches[0])  # the previous run now evaluated the same patch
        same = [once(project, patches[0]) for _ in range(repeat)]
        rows.append(("warm, same patch again", same))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    name = project.relative_to(ROOT) if project.is_relative_to(ROOT) else f"generated {project.name} (depends on syn 2, full)"
    print(f"project: {name}  (median of {repeat}; build+tests+clippy through harness.evaluate.check)")
    print(f"{'state':30} {'total s':>8} {'build s':>8} {'tests s':>8} {'lint+rest s':>11} {'cold/this':>9}")
    cold_total = _median(rows[0][1])[0]
    for label, runs in rows:
        total, build, tests, lint = _median(runs)
        print(f"{label:30} {total:8.2f} {build:8.2f} {tests:8.2f} {lint:11.2f} {cold_total / total:8.1f}x")


def _median(runs):
    return tuple(statistics.median(r[i] for r in runs) for i in range(4))


if __name__ == "__main__":
    main()
