"""gauntlet-rust on real Cargo projects with the real toolchain (cargo test, clippy, libtest JSON).

Projects: ``projects/textstats`` (one package: unit tests, an ignored test, a nested module),
``projects/geo_ws`` (a workspace of two packages: unit, integration and doc tests) and the published
crate ``itoa`` downloaded through cargo at test time.  All evaluations share one cargo target cache
per project (a module-wide GAUNTLET_CACHE_DIR), which is itself under test: a patched build must
never be reused for the unpatched tree.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from gauntlet_rust import libtest, mutate, plugin, runner

from harness.evaluate import CheckOptions, check
from harness.mutation import MutateOptions, unified_diff
from harness.outcome import Status
from harness.plugins import get_plugin_manager
from harness.rewards import default_reward
from harness.sandbox.local import LocalBackend

HERE = Path(__file__).parent
TEXTSTATS = HERE / "projects" / "textstats"
GEO = HERE / "projects" / "geo_ws"
RECORDED = HERE / "recorded"
ITOA = "1.0.15"

if shutil.which("cargo") is None:
    pytest.skip(reason="cargo is not installed", allow_module_level=True)


def _has_clippy() -> bool:
    return subprocess.run(["cargo", "clippy", "--version"], capture_output=True).returncode == 0


needs_clippy = pytest.mark.skipif(not _has_clippy(), reason="cargo clippy is not installed (rustup component add clippy)")


@pytest.fixture(scope="module", autouse=True)
def shared_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("GAUNTLET_CACHE_DIR", str(tmp_path_factory.mktemp("gauntlet-cache")))
    yield
    mp.undo()


def patch(project: Path, rel: str, old: str, new: str) -> str:
    before = (project / rel).read_text()
    assert before.count(old) == 1, f"{old!r} must occur once in {rel}"
    return unified_diff(rel, before, before.replace(old, new))


def run(project: Path, diff: str | None = None, **kw):
    outcome = check(project, CheckOptions(language="rust", patch=diff, **kw))
    assert outcome.infra_error is None, outcome.infra_error
    return outcome, default_reward(outcome).value


def statuses(outcome) -> dict[str, str]:
    return {t: r.status.value for t, r in outcome.tests.tests.items()}


GEO_IDS = {
    "geom/lib::tests::quadrants", "geom/lib::tests::parses_points",
    "geom/tests/integration::box_edges", "geom/tests/integration::distance_is_symmetric",
    "geom/doc::geom/src/lib.rs - manhattan (line 18)", "geom/doc::geom/src/lib.rs - in_box (line 28)",
    "shapes/lib::tests::area_and_perimeter", "shapes/lib::tests::squares",
}
TEXTSTATS_IDS = {f"textstats/lib::tests::{n}" for n in (
    "counts_words", "finds_longest_word", "mean_length", "filters_long_words", "palindromes", "sums_counts",
    "huge_text", "nested::nested_module_test")}


def test_plugin_is_registered_and_detects_cargo_projects(tmp_path):
    pm = get_plugin_manager()
    assert "rust" in pm.languages()
    assert plugin.gauntlet_detect(workspace=GEO) == 0.95
    assert plugin.gauntlet_detect(workspace=tmp_path) is None
    spec = plugin.gauntlet_image(language="rust")
    assert spec.dockerfile.startswith("ARG BASE_IMAGE") and "FROM ${BASE_IMAGE}" in spec.dockerfile
    assert "clippy" in spec.dockerfile and "useradd" in spec.dockerfile and spec.prepare == ("cargo fetch",)


@needs_clippy
def test_workspace_known_good():
    outcome, reward = run(GEO)
    assert outcome.build.ok and outcome.build.errors == []
    assert statuses(outcome) == {t: "passed" for t in GEO_IDS}
    assert outcome.lint.clean, outcome.lint.diagnostics
    assert reward == 1.0


@needs_clippy
def test_package_known_good_ignored_test_is_skipped():
    outcome, reward = run(TEXTSTATS)
    expected = {t: "passed" for t in TEXTSTATS_IDS} | {"textstats/lib::tests::huge_text": "skipped"}
    assert statuses(outcome) == expected
    assert reward == 1.0


def test_patch_that_breaks_one_test_and_cache_is_not_reused_stale():
    diff = patch(TEXTSTATS, "src/lib.rs", "Some(b) if word.len() <= b.len()", "Some(b) if word.len() < b.len()")
    outcome, reward = run(TEXTSTATS, diff, lint=False)
    assert outcome.build.ok
    failed = outcome.tests.ids(Status.FAILED)
    assert failed == ["textstats/lib::tests::finds_longest_word"]
    assert "assertion" in outcome.tests.tests[failed[0]].message
    assert reward == 0.1
    # Same workspace, same target cache, original sources (older mtimes than the patched build):
    again, reward = run(TEXTSTATS, lint=False)
    assert again.tests.passed and reward == 1.0


def test_patch_that_does_not_compile():
    diff = patch(GEO, "shapes/src/lib.rs", "self.width() * self.height()", "self.width() * self.height")
    outcome, reward = run(GEO, diff)
    assert not outcome.build.ok and outcome.tests is None
    err = outcome.build.errors[0]
    assert (err.file, err.line, err.code) == ("shapes/src/lib.rs", 22, "E0615")
    assert "method" in err.message
    assert reward == -0.3


@needs_clippy
def test_patch_that_adds_clippy_warning_and_deny_is_an_error():
    rel, old = "geom/src/lib.rs", "    (a.x - b.x).abs() + (a.y - b.y).abs()\n"
    new = "    return (a.x - b.x).abs() + (a.y - b.y).abs();\n"
    outcome, reward = run(GEO, patch(GEO, rel, old, new))
    assert outcome.tests.passed
    [d] = outcome.lint.diagnostics
    assert (d.file, d.line, d.code, d.severity) == (rel, 23, "clippy::needless_return", "warning")
    assert reward == 0.7
    # The same lint denied by the crate is an error, kept apart from warnings.
    before = (GEO / rel).read_text()
    after = before.replace(old, new).replace("//! Points and integer geometry.\n",
                                             "//! Points and integer geometry.\n#![deny(clippy::needless_return)]\n")
    outcome, reward = run(GEO, unified_diff(rel, before, after))
    assert [(d.code, d.severity, d.line) for d in outcome.lint.diagnostics] == [("clippy::needless_return", "error", 24)]
    assert outcome.lint.error is None and outcome.tests.passed and reward == 0.7


def test_failing_doctest_and_selection():
    diff = patch(GEO, "geom/src/lib.rs", "Point::new(3, -4)), 7);", "Point::new(3, -4)), 8);")
    outcome, reward = run(GEO, diff, lint=False)
    assert outcome.tests.ids(Status.FAILED) == ["geom/doc::geom/src/lib.rs - manhattan (line 18)"]
    assert "left: 7" in outcome.tests.tests["geom/doc::geom/src/lib.rs - manhattan (line 18)"].message
    assert reward == 0.1
    # Selection by our ids or by bare libtest names (SWE-bench style).
    picked, _ = run(GEO, selection=["geom/tests/integration::box_edges", "tests::quadrants"], lint=False)
    assert statuses(picked) == {"geom/tests/integration::box_edges": "passed", "geom/lib::tests::quadrants": "passed"}


def test_crashing_test_binary_marks_its_tests_as_errors():
    diff = patch(TEXTSTATS, "src/lib.rs", "pub fn is_palindrome(word: &str) -> bool {\n",
                 "pub fn is_palindrome(word: &str) -> bool {\n    if word.is_empty() {\n        std::process::abort();\n    }\n")
    outcome, reward = run(TEXTSTATS, diff, lint=False)
    got = statuses(outcome)
    assert set(got) == TEXTSTATS_IDS  # every test is accounted for, even those that never ran
    assert got["textstats/lib::tests::palindromes"] == "error"
    assert got["textstats/lib::tests::huge_text"] == "skipped"
    assert "SIGABRT" in (outcome.tests.tests["textstats/lib::tests::palindromes"].message or "")
    assert reward == 0.1


def test_missing_crate_without_network_is_an_infrastructure_error(tmp_path):
    shutil.copytree(TEXTSTATS, tmp_path / "p")
    manifest = tmp_path / "p" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + 'gauntlet-surely-not-cached-crate = "1"\n')
    outcome = check(tmp_path / "p", CheckOptions(language="rust"))
    assert outcome.infra_error and "--network" in outcome.infra_error
    assert default_reward(outcome).value is None


# -- libtest stream parser on outputs recorded from real crates -------------------------------------

def test_parser_on_recorded_crash():
    parsed = libtest.parse((RECORDED / "textstats_crash.txt").read_text())
    got = {t: r.status.value for t, r in parsed.tests.items()}
    assert got == {
        "textstats/lib::tests::counts_words": "passed", "textstats/lib::tests::filters_long_words": "passed",
        "textstats/lib::tests::mean_length": "passed", "textstats/lib::tests::nested::nested_module_test": "passed",
        "textstats/lib::tests::huge_text": "skipped",
        "textstats/lib::tests::finds_longest_word": "error", "textstats/lib::tests::palindromes": "error",
    }
    unit, doc = parsed.suites
    assert (unit.started, unit.finished, doc.target.label, doc.finished) == (True, False, "doc", True)
    assert "SIGABRT" in unit.crash


def test_parser_on_recorded_failures_and_published_crate():
    parsed = libtest.parse((RECORDED / "geo_ws_failures.txt").read_text())
    assert {t for t, r in parsed.tests.items() if r.status == Status.FAILED} == {
        "geom/doc::geom/src/lib.rs - manhattan (line 18)", "geom/doc::geom/src/lib.rs - in_box (line 28)"}
    assert len(parsed.tests) == 8 and all(s.finished for s in parsed.suites)
    itoa = libtest.parse((RECORDED / f"itoa_{ITOA}.txt").read_text())
    assert len([t for t in itoa.tests if t.startswith("itoa/tests/test::test_")]) == 10
    assert all(r.status == Status.PASSED for r in itoa.tests.values())
    assert any(t.startswith("itoa/doc::src/lib.rs - ") for t in itoa.tests)


def test_ids_and_names():
    assert runner.libtest_name("geom/doc::geom/src/lib.rs - manhattan (line 18)") == "geom/src/lib.rs - manhattan (line 18)"
    assert runner.libtest_name("tests::quadrants") == "tests::quadrants"
    assert libtest.package_name("path+file:///w/geom#0.1.0") == "geom"
    assert libtest.package_name("path+file:///w/dir#my-pkg@0.1.0") == "my-pkg"
    assert libtest.package_name("registry+https://github.com/rust-lang/crates.io-index#itoa@1.0.15") == "itoa"
    assert libtest.package_name("geom 0.1.0 (path+file:///w/geom)") == "geom"


# -- a published crate, downloaded through cargo ---------------------------------------------------

@pytest.fixture(scope="module")
def itoa(tmp_path_factory) -> Path:
    """itoa's published source, fetched with cargo into the host's cargo cache, then copied."""
    scratch = tmp_path_factory.mktemp("scratch")
    (scratch / "src").mkdir()
    (scratch / "src/lib.rs").write_text("")
    (scratch / "Cargo.toml").write_text(
        f'[package]\nname = "scratch"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nitoa = "={ITOA}"\n')
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1"], cwd=scratch, capture_output=True, text=True)
    if meta.returncode != 0:
        pytest.skip(reason=f"cannot download itoa from crates.io: {meta.stderr.strip()[-300:]}")
    import json

    src = next(Path(p["manifest_path"]).parent for p in json.loads(meta.stdout)["packages"] if p["name"] == "itoa")
    crate = tmp_path_factory.mktemp("crate") / f"itoa-{ITOA}"
    shutil.copytree(src, crate)
    # Its dependencies (the optional no-panic) go into the same cargo cache the offline sandbox
    # reads, through the image's prepare command run in a networked session.
    with LocalBackend().open(crate, network=True) as prep:
        for cmd in plugin.gauntlet_image(language="rust").prepare:
            r = prep.exec(["sh", "-c", cmd], timeout=600)
            if r.exit_code != 0:
                pytest.skip(reason=f"{cmd} failed: {r.output[-300:]}")
    return crate


def test_published_crate(itoa):
    outcome, reward = run(itoa)
    assert outcome.build.ok and outcome.tests.passed
    assert len([t for t in outcome.tests.tests if t.startswith("itoa/tests/test::")]) == 10
    if outcome.lint is not None and outcome.lint.error is None:
        assert reward == (1.0 if outcome.lint.clean else 0.7)
    # The first of two copies (the 128-bit one defers small values to it): zero becomes "-0".
    source = (itoa / "src/lib.rs").read_text()
    old = "let is_nonnegative = self >= 0;"
    diff = unified_diff("src/lib.rs", source, source.replace(old, "let is_nonnegative = self > 0;", 1))
    broken, reward = run(itoa, diff, lint=False)
    assert broken.tests.ids(Status.FAILED) == [f"itoa/tests/test::test_{n}_0" for n in ("i16", "u128", "u64")]
    assert reward == 0.1
    bad = unified_diff("src/lib.rs", source, source.replace(old, "let is_nonnegative = self >= ;", 1))
    broken, reward = run(itoa, bad, lint=False)
    assert not broken.build.ok and broken.build.errors[0].file == "src/lib.rs" and reward == -0.3


# -- mutations ---------------------------------------------------------------------------------------

def test_mutations_skip_tests_and_cover_the_operators():
    muts = mutate.mutate(GEO, MutateOptions(language="rust"))
    assert muts and {m.file for m in muts} == {"geom/src/lib.rs", "shapes/src/lib.rs"}  # never tests/
    for m in muts:
        text = (GEO / m.file).read_text()
        assert m.start < text.index("#[cfg(test)]"), m  # never inside the #[cfg(test)] module
        assert m.diff.startswith(f"diff --git a/{m.file}") and text[m.start:m.end] == m.original
    all_muts = muts + mutate.mutate(TEXTSTATS, MutateOptions(language="rust"))
    assert set(mutate.OPERATORS) <= {m.operator for m in all_muts}
    again = plugin.gauntlet_mutate(workspace=GEO, options=MutateOptions(language="rust", seed=3, max_candidates=5))
    assert again == plugin.gauntlet_mutate(workspace=GEO, options=MutateOptions(language="rust", seed=3, max_candidates=5))
    assert len(again) == 5


def test_mutations_mostly_compile_and_some_are_caught():
    muts = mutate.mutate(TEXTSTATS, MutateOptions(language="rust")) + mutate.mutate(GEO, MutateOptions(language="rust"))
    sample = random.Random(7).sample(muts, 12)
    compiled = caught = 0
    for m in sample:
        project = TEXTSTATS if m.file == "src/lib.rs" else GEO
        outcome, _ = run(project, m.diff, lint=False)
        assert outcome.patch_applied, m
        if outcome.build.ok:
            compiled += 1
            caught += not outcome.tests.passed
    print(f"mutations: {len(sample)} tried, {compiled} compiled, {caught} caught by the tests")
    assert compiled >= len(sample) * 0.6
    assert caught >= 3


# -- the Docker backend ------------------------------------------------------------------------------

@needs_clippy
def test_same_outcomes_under_the_docker_backend(itoa, tmp_path):
    """Known-good, failing test, failing doc test, no build, clippy warning, a published crate: the
    Rust image (official rust image, or Debian's cargo 0.66 / rustc 1.63 on the local base) gives
    the local backend's verdicts and rewards."""
    from harness.testing import assert_same_on_both_backends, docker_or_skip

    docker_or_skip()
    geo = {
        "known-good": None,
        "doctest fails": patch(GEO, "geom/src/lib.rs", "Point::new(3, -4)), 7);", "Point::new(3, -4)), 8);"),
        "no build": patch(GEO, "shapes/src/lib.rs", "self.width() * self.height()", "self.width() * self.height"),
        "clippy warning": patch(GEO, "geom/src/lib.rs", "    (a.x - b.x).abs() + (a.y - b.y).abs()\n",
                                "    return (a.x - b.x).abs() + (a.y - b.y).abs();\n"),
    }
    assert_same_on_both_backends(GEO, "rust", geo, {"known-good": 1.0, "doctest fails": 0.1, "no build": -0.3,
                                                    "clippy warning": 0.7})
    broken = patch(TEXTSTATS, "src/lib.rs", "Some(b) if word.len() <= b.len()", "Some(b) if word.len() < b.len()")
    assert_same_on_both_backends(TEXTSTATS, "rust", {"known-good": None, "test fails": broken},
                                 {"known-good": 1.0, "test fails": 0.1})
    # itoa's optional dependency is in the host's cargo cache, not the image's, and the container has
    # no network: vendor it into the crate (`cargo vendor`, the air-gapped route) as users would.
    vendored = tmp_path / "itoa"
    shutil.copytree(itoa, vendored)
    r = subprocess.run(["cargo", "vendor", "--offline", "vendor"], cwd=vendored, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (vendored / ".cargo").mkdir()
    (vendored / ".cargo/config.toml").write_text(r.stdout)
    source = (vendored / "src/lib.rs").read_text()
    zero = unified_diff("src/lib.rs", source, source.replace("let is_nonnegative = self >= 0;",
                                                             "let is_nonnegative = self > 0;", 1))
    # lint off: clippy 1.63 (Debian, local base) and current clippy place itoa's one warning differently.
    rewards = assert_same_on_both_backends(vendored, "rust", {"known-good": None, "test fails": zero}, lint=False)
    assert rewards["test fails"] == 0.1
