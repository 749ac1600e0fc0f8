"""gauntlet-typescript on three small real packages, with dependencies from the npm registry.

- packages/vitest_ts: TypeScript, vitest 3 (+ vite 7, typescript 5), tsc strictness warnings as lint.
- packages/jest_js: JavaScript (CommonJS), jest 30.
- packages/nodetest_js: JavaScript (ESM), node:test, eslint 9.

One session with the network per package fills the npm and node_modules caches (in a temporary
GAUNTLET_CACHE_DIR, under the dependencies' content key), as ``gauntlet check`` does before the
patch; every evaluation after that runs without the network, from those caches.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from gauntlet_typescript import plugin
from gauntlet_typescript.mutate import OPERATORS
from gauntlet_typescript.project import Package
from gauntlet_typescript.swebench import swebench_view
from gauntlet_typescript.testnames import static_tests
from gauntlet_typescript.tsc import parse as parse_tsc

from harness.evaluate import CheckOptions, check, prepare_dependencies
from harness.mutation import MutateOptions, unified_diff
from harness.outcome import Status
from harness.rewards import default_reward
from harness.sandbox.base import SandboxError
from harness.sandbox.local import LocalBackend

PACKAGES = Path(__file__).parent / "packages"
VITEST, JEST, NODETEST = PACKAGES / "vitest_ts", PACKAGES / "jest_js", PACKAGES / "nodetest_js"

needs_node = pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="node and npm are not installed")


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """A private cache root: the first evaluation of each package is a real cold install."""
    old = os.environ.get("GAUNTLET_CACHE_DIR")
    path = tmp_path_factory.mktemp("gauntlet-cache")
    os.environ["GAUNTLET_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("GAUNTLET_CACHE_DIR", None)
    else:
        os.environ["GAUNTLET_CACHE_DIR"] = old


_prepared: dict[Path, str | Exception] = {}
_UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT")


def prepare(pkg: Path) -> str:
    """Fetch the package's dependencies once, as ``gauntlet check`` does before a patch (the caches
    under the dependencies' content key); skip when the registry cannot be reached.  Returns that
    cache key."""
    if pkg not in _prepared:
        try:
            _prepared[pkg] = prepare_dependencies(pkg, "typescript", LocalBackend())
        except SandboxError as e:
            if not any(w in str(e) for w in _UNREACHABLE):
                raise
            _prepared[pkg] = e
    if isinstance(_prepared[pkg], Exception):
        pytest.skip(reason=f"the npm registry is not reachable: {str(_prepared[pkg])[-300:]}")
    return _prepared[pkg]


def evaluate(pkg: Path, patch: str | None = None, **kw):
    prepare(pkg)
    outcome = check(pkg, CheckOptions(language="typescript", patch=patch, **kw))
    assert outcome.infra_error is None, outcome.infra_error
    return outcome, default_reward(outcome)


def edit(pkg: Path, path: str, old: str, new: str) -> str:
    """A git-style patch that replaces ``old`` (which must occur once) in one of the package's files."""
    before = (pkg / path).read_text()
    assert before.count(old) == 1, old
    return unified_diff(path, before, before.replace(old, new))


def statuses(outcome) -> dict[str, str]:
    return {t: r.status.value for t, r in outcome.tests.tests.items()}


# -- host-only pieces ------------------------------------------------------------------------------

def test_detect_and_language(tmp_path):
    assert plugin.gauntlet_detect(workspace=VITEST) == 0.9
    assert plugin.gauntlet_detect(workspace=NODETEST) == 0.6
    assert plugin.gauntlet_detect(workspace=tmp_path) is None
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.ts").write_text("export const a = 1;\n")
    assert plugin.gauntlet_detect(workspace=tmp_path) == 0.8
    assert plugin.gauntlet_language().name == "typescript"


def test_image_spec():
    spec = plugin.gauntlet_image(language="typescript")
    lines = spec.dockerfile.splitlines()
    assert lines[0].startswith("ARG BASE_IMAGE") and lines[1] == "FROM ${BASE_IMAGE}"
    assert spec.base_image == "node:22-bookworm-slim"
    for needle in ("apt-get install -y --no-install-recommends nodejs;", "npm-${NPM_VERSION}.tgz", "git", "useradd",
                   "USER gauntlet", "WORKDIR /workspace", "typescript@${TYPESCRIPT_VERSION}", "CA_CERT_FILE"):
        assert needle in spec.dockerfile
    # Debian's npm package (some 400 node-* packages) is not installed: npm comes from the registry
    assert "nodejs npm" not in spec.dockerfile and spec.build_args["NPM_VERSION"].startswith("10.")
    assert spec.tools["typescript"].startswith("5.")


def test_tsc_output_parser():
    out = ("src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"
           "  The expected type comes from here.\n"
           "error TS5023: Unknown compiler option 'foo'.\n")
    a, b = parse_tsc(out)
    assert (a.file, a.line, a.column, a.code, a.severity) == ("src/a.ts", 3, 7, "TS2322", "error")
    assert a.message.endswith("The expected type comes from here.")
    assert (b.file, b.code) == (None, "TS5023")


def test_static_test_listing():
    ids = static_tests("tests/calc.test.ts", (VITEST / "tests/calc.test.ts").read_bytes())
    assert "tests/calc.test.ts > arithmetic > divide > refuses zero" in ids
    assert "tests/calc.test.ts > arithmetic > supports floats exactly" in ids  # it.todo
    assert len(ids) == 11


def test_lockfile_sync():
    manifest = {"devDependencies": {"a": "^1"}}
    lock = {"lockfileVersion": 3, "packages": {"": {"devDependencies": {"a": "^1"}}}}
    assert Package(manifest=manifest, lockfile="package-lock.json", lock=lock).lock_in_sync()
    edited = {"devDependencies": {"a": "^1", "b": "^2"}}
    assert not Package(manifest=edited, lockfile="package-lock.json", lock=lock).lock_in_sync()
    assert not Package(manifest=manifest).lock_in_sync()


# -- vitest + TypeScript ---------------------------------------------------------------------------

VITEST_IDS = {
    "tests/calc.test.ts > clamp > keeps values inside the range": "passed",
    "tests/calc.test.ts > clamp > clamps low and high": "passed",
    "tests/calc.test.ts > clamp > tells whether a value is between bounds": "passed",
    "tests/calc.test.ts > arithmetic > sums a list": "passed",
    "tests/calc.test.ts > arithmetic > builds a half-open range": "passed",
    "tests/calc.test.ts > arithmetic > tells even numbers": "passed",
    "tests/calc.test.ts > arithmetic > subtracts in order": "passed",
    "tests/calc.test.ts > arithmetic > divide > divides": "passed",
    "tests/calc.test.ts > arithmetic > divide > refuses zero": "passed",
    "tests/calc.test.ts > arithmetic > handles bigint someday": "skipped",
    "tests/calc.test.ts > arithmetic > supports floats exactly": "skipped",
    "tests/user.test.ts > user > reads the city": "passed",
    "tests/user.test.ts > user > has a default city": "passed",
    "tests/user.test.ts > user > knows adults": "passed",
    "tests/user.test.ts > user > loads names": "passed",
}


@needs_node
def test_vitest_known_good_offline_from_cache():
    outcome, reward = evaluate(VITEST)
    assert outcome.protections.get("network_isolated") in (True, False)
    assert outcome.build.ok and outcome.build.log.startswith("[dependencies: cached]")
    assert statuses(outcome) == VITEST_IDS
    assert outcome.lint.tool == "tsc" and outcome.lint.clean
    assert reward.value == 1.0


@needs_node
def test_dependencies_are_prepared_before_the_patch_and_keyed_by_content(tmp_path):
    """Fresh copies at other paths share the prepared dependencies; the patched manifest never gets network."""
    prepare(VITEST)
    first, second = tmp_path / "a" / "pkg", tmp_path / "b" / "elsewhere"
    shutil.copytree(VITEST, first)
    shutil.copytree(VITEST, second)
    assert plugin.gauntlet_dependencies(workspace=first) == plugin.gauntlet_dependencies(workspace=VITEST)
    # --offline: no session with network at all; the copy is a hit in the content-keyed cache.
    for copy in (first, second):
        outcome = check(copy, CheckOptions(language="typescript", offline=True, lint=False))
        assert outcome.infra_error is None, outcome.infra_error
        assert outcome.protections["network_isolated"] is True
        assert outcome.build.log.startswith("[dependencies: cached]") and outcome.tests.passed
    # A patch that adds a dependency: the preparation ran on the unpatched manifest (a hit), and the
    # evaluation, without network, cannot fetch what the patch added.
    manifest = (VITEST / "package.json").read_text()
    added = manifest.replace('"devDependencies": {', '"dependencies": {\n    "is-number": "7.0.0"\n  },\n  "devDependencies": {')
    outcome = check(second, CheckOptions(language="typescript", patch=unified_diff("package.json", manifest, added), lint=False))
    assert outcome.patch_applied and outcome.protections["network_isolated"] is True
    assert outcome.protections["dependencies"].startswith("fetched for the unpatched project")
    # That is the patch's failure (a build failure with the reason), not the harness's.
    assert outcome.infra_error is None, outcome.infra_error
    assert not outcome.build.ok and "changes the package's dependencies" in outcome.build.diagnostics[0].message
    # A cold cache with --offline is an infrastructure error that names the fix.
    os.environ["GAUNTLET_CACHE_DIR"], old = str(tmp_path / "cold"), os.environ["GAUNTLET_CACHE_DIR"]
    try:
        outcome = check(second, CheckOptions(language="typescript", offline=True, lint=False))
    finally:
        os.environ["GAUNTLET_CACHE_DIR"] = old
    assert outcome.infra_error and "without --offline" in outcome.infra_error, outcome.infra_error


@needs_node
def test_vitest_failing_patch_and_swebench_ids():
    swebench = pytest.importorskip("swebench.harness.log_parsers")
    patch = edit(VITEST, "src/calc.ts", "for (let i = start; i < end; i++)", "for (let i = start; i <= end; i++)")
    outcome, reward = evaluate(VITEST, patch)
    assert outcome.patch_applied and outcome.build.ok
    expected = dict(VITEST_IDS, **{"tests/calc.test.ts > arithmetic > builds a half-open range": "failed"})
    assert statuses(outcome) == expected
    assert "[ 2, 3, 4, 5 ]" in outcome.tests.tests["tests/calc.test.ts > arithmetic > builds a half-open range"].message
    assert reward.value == 0.1
    # SWE-bench's vitest parser, reading the verbose text of the same run, names and grades alike.
    assert swebench.parse_log_vitest(outcome.tests.log, None) == swebench_view(outcome.tests, "vitest")


@needs_node
def test_vitest_type_error():
    patch = edit(VITEST, "src/calc.ts", "  return a - b;", "  return String(a - b);")
    outcome, reward = evaluate(VITEST, patch)
    assert not outcome.build.ok and outcome.tests is None
    (diag,) = outcome.build.errors
    line = (VITEST / "src/calc.ts").read_text().splitlines().index("  return a - b;") + 1
    assert (diag.file, diag.line, diag.code) == ("src/calc.ts", line, "TS2322")
    assert "not assignable to type 'number'" in diag.message
    assert reward.value == -0.3


@needs_node
def test_vitest_tsc_strictness_warning_is_lint_not_build():
    patch = edit(VITEST, "src/calc.ts", "  let total = 0;\n", "  let total = 0;\n  const unused = 42;\n")
    outcome, reward = evaluate(VITEST, patch)
    assert outcome.build.ok and outcome.tests.passed
    (warning,) = outcome.lint.diagnostics
    line = (VITEST / "src/calc.ts").read_text().splitlines().index("  let total = 0;") + 2
    assert (warning.file, warning.line, warning.code, warning.severity) == ("src/calc.ts", line, "TS6133", "warning")
    assert reward.value == 0.7


@needs_node
def test_vitest_file_that_fails_to_load_marks_its_tests_as_errors():
    patch = edit(VITEST, "tests/user.test.ts", 'describe("user"',
                 'const broken: boolean = true;\nif (broken) {\n  throw new Error("boom at import");\n}\n\ndescribe("user"')
    outcome, reward = evaluate(VITEST, patch)
    got = statuses(outcome)
    for tid, status in VITEST_IDS.items():
        assert got[tid] == ("error" if tid.startswith("tests/user.test.ts") else status), tid
    assert "boom at import" in outcome.tests.tests["tests/user.test.ts > user > loads names"].message
    assert reward.value == 0.1


@needs_node
def test_vitest_killed_worker_is_isolated_to_its_file():
    patch = edit(VITEST, "tests/user.test.ts", '    expect(await loadName(',
                 '    (globalThis as any).process.kill((globalThis as any).process.pid, "SIGKILL");\n'
                 '    expect(await loadName(')
    outcome, _ = evaluate(VITEST, patch)
    got = statuses(outcome)
    for tid, status in VITEST_IDS.items():
        assert got[tid] == ("error" if tid.startswith("tests/user.test.ts") else status), tid


@needs_node
def test_vitest_selection():
    wanted = "tests/calc.test.ts > arithmetic > divide > divides"
    outcome, _ = evaluate(VITEST, selection=[wanted], lint=False)
    assert statuses(outcome) == {wanted: "passed"}


@needs_node
def test_mutations_typecheck_and_some_are_caught():
    cands = plugin.gauntlet_mutate(workspace=VITEST, options=MutateOptions(language="typescript"))
    ops = Counter(m.operator for m in cands)
    assert set(ops) == set(OPERATORS), ops
    assert all(not m.file.startswith("tests/") for m in cands)
    again = plugin.gauntlet_mutate(workspace=VITEST, options=MutateOptions(language="typescript", seed=1, max_candidates=14))
    assert again == plugin.gauntlet_mutate(workspace=VITEST, options=MutateOptions(language="typescript", seed=1, max_candidates=14))
    session = LocalBackend().open(VITEST, language="typescript", cache_key=prepare(VITEST))
    built = caught = 0
    try:
        assert plugin.gauntlet_build(session=session).ok
        for m in again:
            original = session.read_file(m.file)
            assert session.apply_patch(m.diff).applied, m.id
            if plugin.gauntlet_build(session=session).ok:
                built += 1
                caught += not plugin.gauntlet_test(session=session, selection=None, fail_fast=False).passed
            session.write_file(m.file, original)
    finally:
        session.close()
    print(f"\nvitest_ts mutations: {len(cands)} candidates {dict(ops)}; of 14 sampled: {built} type-check, {caught} caught")
    assert built > len(again) // 2
    assert caught >= 1


# -- jest --------------------------------------------------------------------------------------------

JEST_IDS = {
    "__tests__/strings.test.js > capitalize > upper-cases the first letter": "passed",
    "__tests__/strings.test.js > capitalize > leaves the empty string": "passed",
    "__tests__/strings.test.js > repeat > repeats": "passed",
    "__tests__/strings.test.js > repeat > repeats lazily": "skipped",
    "__tests__/strings.test.js > palindromes": "passed",
}


@needs_node
def test_jest_known_good():
    outcome, reward = evaluate(JEST)
    assert outcome.build.ok and "node --check" in outcome.build.log
    assert statuses(outcome) == JEST_IDS
    assert outcome.lint.tool == "none" and outcome.lint.clean
    assert reward.value == 1.0


@needs_node
def test_jest_failing_patch_and_swebench_ids():
    swebench = pytest.importorskip("swebench.harness.log_parsers")
    patch = edit(JEST, "src/strings.js", 'const clean = text.toLowerCase();', 'const clean = text;')
    outcome, reward = evaluate(JEST, patch)
    assert statuses(outcome) == dict(JEST_IDS, **{"__tests__/strings.test.js > palindromes": "failed"})
    assert reward.value == 0.1
    assert swebench.parse_log_jest(outcome.tests.log, None) == swebench_view(outcome.tests, "jest")


@needs_node
def test_jest_syntax_error():
    patch = edit(JEST, "src/strings.js", "  let out = \"\";", "  let out = ;")
    outcome, reward = evaluate(JEST, patch)
    (diag,) = outcome.build.errors
    assert (diag.file, diag.line, diag.code) == ("src/strings.js", 11, "SyntaxError")
    assert reward.value == -0.3


@needs_node
def test_jest_process_exit_isolates_the_file():
    patch = edit(JEST, "__tests__/strings.test.js", '    expect(repeat("ab", 3)).toBe("ababab");', "    process.exit(1);")
    outcome, reward = evaluate(JEST, patch)
    # jest itself dies (one file runs in band): the file is rerun alone and its tests become errors.
    assert statuses(outcome) == {tid: "error" for tid in JEST_IDS}
    assert outcome.tests.error is None and reward.value == 0.1


# -- node:test + eslint ------------------------------------------------------------------------------

NODE_IDS = {
    "test/queue.test.js > Queue > is first in, first out": "passed",
    "test/queue.test.js > Queue > refuses items past capacity": "passed",
    "test/queue.test.js > Queue > supports priorities": "skipped",
    "test/queue.test.js > empty pop gives undefined": "passed",
}


@needs_node
def test_node_test_known_good_with_npm_ci_offline(cache_dir):
    key = prepare(NODETEST)
    # Drop the saved node_modules: npm ci must install offline from the npm cache alone.
    shutil.rmtree(cache_dir / "local" / key / "node_modules")
    outcome, reward = evaluate(NODETEST, offline=True)
    assert outcome.build.log.startswith("[dependencies: npm ci]"), outcome.build.log[:500]
    assert statuses(outcome) == NODE_IDS
    assert outcome.lint.tool == "eslint" and outcome.lint.clean
    assert reward.value == 1.0


@needs_node
def test_node_test_failing_patch():
    patch = edit(NODETEST, "src/queue.js", "return this.items.shift();", "return this.items.pop();")
    outcome, reward = evaluate(NODETEST, patch)
    assert statuses(outcome) == dict(NODE_IDS, **{"test/queue.test.js > Queue > is first in, first out": "failed"})
    assert reward.value == 0.1


@needs_node
def test_node_test_eslint_warning():
    patch = edit(NODETEST, "src/queue.js", "  pop() {\n", "  pop() {\n    let spare = 1;\n")
    outcome, reward = evaluate(NODETEST, patch)
    assert outcome.tests.passed
    line = (NODETEST / "src/queue.js").read_text().splitlines().index("  pop() {") + 2
    codes = sorted((d.code, d.line, d.severity, d.file) for d in outcome.lint.diagnostics)
    assert codes == [("no-unused-vars", line, "warning", "src/queue.js"), ("prefer-const", line, "warning", "src/queue.js")]
    assert reward.value == 0.7


@needs_node
def test_node_test_crashing_file_marks_its_tests_as_errors():
    patch = edit(NODETEST, "test/queue.test.js", "    const q = new Queue(3);\n", "    process.exit(3);\n    const q = new Queue(3);\n")
    outcome, reward = evaluate(NODETEST, patch)
    got = statuses(outcome)
    assert set(got) == set(NODE_IDS)
    assert got["test/queue.test.js > Queue > is first in, first out"] == "error"
    assert Status.ERROR.value in got.values() and reward.value == 0.1


# -- the Docker backend ------------------------------------------------------------------------------

@needs_node
def test_same_outcomes_under_the_docker_backend():
    """vitest + tsc, jest, node:test + eslint: the Node image (official node image, or Debian with
    Node 22 from npm on the local base) gives the local verdicts and rewards, offline from its caches."""
    from harness.testing import assert_same_on_both_backends, docker_or_skip

    docker_or_skip()
    for pkg in (VITEST, JEST, NODETEST):
        prepare(pkg)  # the registry is reachable; check() prepares each backend's caches itself
    assert_same_on_both_backends(VITEST, "typescript", {
        "known-good": None,
        "test fails": edit(VITEST, "src/calc.ts", "for (let i = start; i < end; i++)", "for (let i = start; i <= end; i++)"),
        "type error": edit(VITEST, "src/calc.ts", "  return a - b;", "  return String(a - b);"),
        "tsc warning": edit(VITEST, "src/calc.ts", "  let total = 0;\n", "  let total = 0;\n  const unused = 42;\n"),
    }, {"known-good": 1.0, "test fails": 0.1, "type error": -0.3, "tsc warning": 0.7})
    assert_same_on_both_backends(JEST, "typescript", {
        "known-good": None,
        "test fails": edit(JEST, "src/strings.js", 'const clean = text.toLowerCase();', 'const clean = text;'),
        "syntax error": edit(JEST, "src/strings.js", "  let out = \"\";", "  let out = ;"),
    }, {"known-good": 1.0, "test fails": 0.1, "syntax error": -0.3})
    assert_same_on_both_backends(NODETEST, "typescript", {
        "known-good": None,
        "eslint warning": edit(NODETEST, "src/queue.js", "  pop() {\n", "  pop() {\n    let spare = 1;\n"),
    }, {"known-good": 1.0, "eslint warning": 0.7})
