"""gauntlet-go on real Go modules with the real toolchain (go build / test -json / vet -json, gofmt).

Modules: ``projects/textkit`` (three packages, one a command without tests; table-driven subtests,
a skipped test, a parallel test, an example), ``projects/intmath`` (one package, error returns) and
the published ``github.com/google/uuid`` fetched through the Go module proxy at test time.  All
evaluations share module-wide caches (GAUNTLET_CACHE_DIR), so GOCACHE reuse across patched and
unpatched trees is itself under test.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from gauntlet_go import mutate, plugin, testjson

from harness.evaluate import CheckOptions, check
from harness.mutation import MutateOptions, unified_diff
from harness.outcome import Status
from harness.plugins import get_plugin_manager
from harness.rewards import default_reward
from harness.sandbox import local
from harness.sandbox.local import LocalBackend

HERE = Path(__file__).parent
TEXTKIT = HERE / "projects" / "textkit"
INTMATH = HERE / "projects" / "intmath"
UUID = "github.com/google/uuid@v1.6.0"

if shutil.which("go") is None:
    pytest.skip(reason="the go command is not installed (PATH)", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def shared_cache(tmp_path_factory):
    """One GOCACHE for every module of this file: Go's cache is content-addressed, so sharing it is
    safe, and the standard library then compiles once instead of once per module (about a minute
    each on a busy 2-core machine)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GAUNTLET_CACHE_DIR", str(tmp_path_factory.mktemp("gauntlet-cache")))
    mp.setattr(local, "workspace_key", lambda workspace: "go-plugin-tests")
    yield
    mp.undo()


def patch(project: Path, rel: str, old: str, new: str) -> str:
    before = (project / rel).read_text()
    assert before.count(old) == 1, f"{old!r} must occur once in {rel}"
    return unified_diff(rel, before, before.replace(old, new))


def run(project: Path, diff: str | None = None, **kw):
    outcome = check(project, CheckOptions(language="go", patch=diff, **kw))
    assert outcome.infra_error is None, outcome.infra_error
    return outcome, default_reward(outcome).value


def statuses(outcome) -> dict[str, str]:
    return {t: r.status.value for t, r in outcome.tests.tests.items()}


TEXTKIT_IDS = {
    "TestCount", "TestCount/empty", "TestCount/one_word", "TestCount/two_words", "TestCount/extra_spaces",
    "TestLongest", "TestTop", "TestTop/more_than_there_are",
    "TestParseLine", "TestParseLine/simple", "TestParseLine/spaces", "TestParseLine/missing_equals",
    "TestParseLine/empty_value", "TestParseAll", "ExampleParseLine", "TestWindowsLineEndings",
}
TEXTKIT_GOOD = {t: "passed" for t in TEXTKIT_IDS} | {"TestWindowsLineEndings": "skipped"}
INTMATH_GOOD = {t: "passed" for t in ("TestAbs", "TestClamp", "TestSum", "TestDivide", "TestGCD", "TestMean")}


def test_plugin_is_registered_detects_modules_and_has_an_image(tmp_path):
    assert "go" in get_plugin_manager().languages()
    assert plugin.gauntlet_detect(workspace=TEXTKIT) == 0.95
    assert plugin.gauntlet_detect(workspace=tmp_path) is None
    (tmp_path / "go.work").write_text("go 1.21\n\nuse ./a\n")
    assert plugin.gauntlet_detect(workspace=tmp_path) == 0.95
    spec = plugin.gauntlet_image(language="go")
    assert spec.dockerfile.startswith("ARG BASE_IMAGE") and "FROM ${BASE_IMAGE}" in spec.dockerfile
    assert spec.base_image == "golang:1-bookworm" and "golang-go" in spec.dockerfile
    assert "useradd" in spec.dockerfile and "WORKDIR /workspace" in spec.dockerfile and " git " in spec.dockerfile


def test_textkit_known_good():
    outcome, reward = run(TEXTKIT)
    assert outcome.build.ok and outcome.build.diagnostics == []
    assert statuses(outcome) == TEXTKIT_GOOD
    assert outcome.lint.clean, outcome.lint.diagnostics
    assert reward == 1.0


def test_intmath_known_good():
    outcome, reward = run(INTMATH)
    assert statuses(outcome) == INTMATH_GOOD
    assert reward == 1.0


def test_failing_subtest_fails_its_parent_and_the_cache_is_not_reused_stale():
    diff = patch(TEXTKIT, "kv/kv.go", "strings.TrimSpace(line[i+1:])", "line[i+1:]")
    outcome, reward = run(TEXTKIT, diff, lint=False)
    assert outcome.build.ok
    assert outcome.tests.ids(Status.FAILED) == ["ExampleParseLine", "TestParseAll", "TestParseLine", "TestParseLine/spaces"]
    assert 'ParseLine(" name = gopher ")' in outcome.tests.tests["TestParseLine/spaces"].message
    assert reward == 0.1
    again, reward = run(TEXTKIT, lint=False)  # same caches, the original sources
    assert statuses(again) == TEXTKIT_GOOD and reward == 1.0


def test_patch_that_does_not_compile():
    diff = patch(TEXTKIT, "words/words.go", "return len(strings.Fields(s))", "return len(strings.Fields(s)) + nope")
    outcome, reward = run(TEXTKIT, diff)
    assert not outcome.build.ok and outcome.tests is None
    [d] = outcome.build.errors
    assert (d.file, d.line, d.column) == ("words/words.go", 11, 34) and "undefined: nope" in d.message
    assert d.code == "example.com/textkit/words"
    assert reward == -0.3


def test_patch_that_breaks_only_a_test_file_is_a_build_failure():
    diff = patch(TEXTKIT, "kv/kv_test.go", "t.Fatal(err)", "t.Fatal(err, missing)")
    outcome, reward = run(TEXTKIT, diff)
    assert not outcome.build.ok
    assert [(d.file, d.line) for d in outcome.build.errors] == [("kv/kv_test.go", 34)]
    assert reward == -0.3


def test_vet_warning_is_a_lint_warning_not_a_test_failure():
    # go test runs printf checks by default and would fail the package; the plugin leaves vet to lint.
    diff = patch(TEXTKIT, "kv/kv.go", "missing '=' in %q", "missing '=' in %d")
    outcome, reward = run(TEXTKIT, diff)
    assert statuses(outcome) == TEXTKIT_GOOD
    [d] = outcome.lint.diagnostics
    assert (d.file, d.line, d.code, d.severity) == ("kv/kv.go", 17, "printf", "warning")
    assert "wrong type string" in d.message
    assert reward == 0.7


def test_unformatted_code_is_a_lint_warning():
    diff = patch(INTMATH, "intmath.go", "\ttotal := 0\n", "\ttotal  :=  0\n")
    outcome, reward = run(INTMATH, diff)
    assert outcome.tests.passed
    assert [(d.file, d.line, d.code) for d in outcome.lint.diagnostics] == [("intmath.go", 30, "gofmt")]
    assert reward == 0.7


def test_panic_fails_the_running_test_and_the_rest_of_its_package_did_not_run():
    diff = patch(TEXTKIT, "words/words.go", "\treturn len(strings.Fields(s))\n",
                 '\tif s == "go" {\n\t\tvar m map[string]int\n\t\tm[s]++\n\t}\n\treturn len(strings.Fields(s))\n')
    outcome, reward = run(TEXTKIT, diff, lint=False)
    got = statuses(outcome)
    assert {t: got[t] for t in got if t.startswith(("TestCount", "TestLongest", "TestTop"))} == {
        "TestCount": "failed", "TestCount/empty": "passed", "TestCount/one_word": "failed",
        "TestLongest": "error", "TestTop": "error"}
    assert "nil map" in outcome.tests.tests["TestCount/one_word"].message
    assert got["TestParseAll"] == "passed"  # other packages are unaffected
    assert reward == 0.1


def test_hung_test_is_stopped_by_go_test_timeout():
    diff = patch(INTMATH, "intmath.go", "\t\ta, b = b, a%b\n", "")
    outcome, reward = run(INTMATH, diff, lint=False, timeout=15)
    assert outcome.tests.timed_out
    assert statuses(outcome) == {"TestSum": "passed", "TestDivide": "passed", "TestGCD": "failed",
                                 "TestAbs": "error", "TestClamp": "error", "TestMean": "error"}
    assert "timed out" in outcome.tests.tests["TestGCD"].message
    assert reward == 0.1


def test_package_that_does_not_build_marks_its_tests_as_errors_and_selection():
    go = get_plugin_manager().for_language("go")
    with LocalBackend().open(TEXTKIT, language="go") as session:
        diff = patch(TEXTKIT, "words/words.go", "len(w) > len(best)", "len(w) > best")
        assert session.apply_patch(diff).applied
        report = go.gauntlet_test(session=session, selection=None, fail_fast=False)
        got = {t: r.status.value for t, r in report.tests.items()}
        assert {t: got[t] for t in ("TestCount", "TestLongest", "TestTop")} == dict.fromkeys(
            ("TestCount", "TestLongest", "TestTop"), "error")
        assert got["TestParseLine/spaces"] == "passed" and not report.passed
        assert "mismatched types" in report.log or "invalid operation" in report.log
        picked = go.gauntlet_test(session=session, selection=["TestParseLine/spaces", "TestParseAll"], fail_fast=False)
        assert set(picked.tests) == {"TestParseAll", "TestParseLine", "TestParseLine/simple", "TestParseLine/spaces",
                                     "TestParseLine/missing_equals", "TestParseLine/empty_value",
                                     "example.com/textkit/cmd/textkit", "example.com/textkit/words"}


def test_ids_match_swebench_parse_log_gotest_on_the_same_run():
    parsers = pytest.importorskip("swebench.harness.log_parsers", reason="pip install swebench")
    diff = patch(TEXTKIT, "words/words.go", "len(w) > len(best)", "len(w) >= len(best)")
    outcome, _ = run(TEXTKIT, diff, lint=False)
    ours = {t: s.upper() for t, s in statuses(outcome).items()}
    assert ours["TestLongest"] == "FAILED" and ours["TestWindowsLineEndings"] == "SKIPPED"
    assert parsers.parse_log_gotest(outcome.tests.log, None) == ours
    with LocalBackend().open(TEXTKIT) as session:  # and on a plain `go test -v` log of the same tree
        session.apply_patch(diff)
        from gauntlet_go import gocmd
        verbose = session.exec(["go", "test", "-v", "-vet=off", "./..."], env=gocmd.env(session))
    assert parsers.parse_log_gotest(verbose.stdout, None) == ours


def test_event_parser_on_recorded_events():
    events = [
        {"Action": "run", "Package": "p", "Test": "TestA"},
        {"Action": "run", "Package": "p", "Test": "TestA/x_y"},
        {"Action": "output", "Package": "p", "Test": "TestA/x_y", "Output": "    a_test.go:9: boom\n"},
        {"Action": "fail", "Package": "p", "Test": "TestA/x_y", "Elapsed": 0.01},
        {"Action": "fail", "Package": "p", "Test": "TestA", "Elapsed": 0.02},
        {"Action": "fail", "Package": "p"},
        {"Action": "run", "Package": "q", "Test": "TestA"},
        {"Action": "pass", "Package": "q", "Test": "TestA"},
        {"Action": "pass", "Package": "q"},
    ]
    run = testjson.parse("".join(json.dumps(e) + "\n" for e in events) + "not json\n")
    merged = testjson.merge(list(run.packages.values()))
    assert {t: r.status for t, r in merged.items()} == {"TestA": Status.FAILED, "TestA/x_y": Status.FAILED}
    assert merged["TestA/x_y"].message == "a_test.go:9: boom" and merged["TestA/x_y"].duration == 0.01
    assert "not json\n" in run.log


# -- mutations ----------------------------------------------------------------------------------------

def test_mutations_cover_the_operators_and_never_touch_tests():
    muts = mutate.mutate(TEXTKIT, MutateOptions(language="go")) + mutate.mutate(INTMATH, MutateOptions(language="go"))
    ops = {m.operator for m in muts}
    assert ops == set(mutate.OPERATORS), set(mutate.OPERATORS) - ops
    assert not any(m.file.endswith("_test.go") for m in muts)
    by = {(m.operator, m.original, m.replacement) for m in muts if m.file == "intmath.go"}
    assert ("err_check_flip", "!=", "==") in by and ("drop_error_return", "err", "nil") in by
    assert ("drop_error_return", "ErrDivideByZero", "nil") in by
    assert ("remove_statement", "total += x", "") in by and ("negate_condition", "b != 0", "!(b != 0)") in by
    m = next(m for m in muts if m.operator == "err_check_flip" and m.file == "intmath.go")
    assert m.diff.startswith("diff --git a/intmath.go b/intmath.go") and m.line == 57
    sample = mutate.mutate(TEXTKIT, MutateOptions(language="go", seed=3, max_candidates=5))
    assert sample == mutate.mutate(TEXTKIT, MutateOptions(language="go", seed=3, max_candidates=5)) and len(sample) == 5


def test_mutations_mostly_compile_and_some_are_caught():
    muts = mutate.mutate(INTMATH, MutateOptions(language="go"))
    picked = random.Random(7).sample(muts, 10)
    compiled = caught = 0
    for m in picked:
        outcome, _ = run(INTMATH, m.diff, lint=False, timeout=15)  # some mutants loop forever
        assert outcome.patch_applied, m.id
        if outcome.build.ok:
            compiled += 1
            caught += not outcome.tests.passed
    print(f"intmath: {len(muts)} candidates; of {len(picked)} sampled {compiled} compile, {caught} caught")
    assert compiled >= len(picked) * 0.6 and caught >= 3


# -- a published module, fetched through the Go module proxy at test time -------------------------------

@pytest.fixture(scope="module")
def uuid_module(tmp_path_factory):
    fetched = subprocess.run(["go", "mod", "download", "-json", UUID], capture_output=True, text=True, timeout=300)
    if fetched.returncode != 0:
        pytest.skip(reason=f"cannot download {UUID} through the Go module proxy: {fetched.stdout[-300:]}")
    src = Path(json.loads(fetched.stdout)["Dir"])
    dst = tmp_path_factory.mktemp("published") / "uuid"
    shutil.copytree(src, dst)
    for path in [dst, *dst.rglob("*")]:
        os.chmod(path, path.stat().st_mode | stat.S_IWUSR)
    # uuid 1.6.0 predates gofmt's doc-comment and //go:build rules: format it, so known-good is clean.
    subprocess.run(["gofmt", "-w", "."], cwd=dst, check=True)
    return dst


def test_published_module_known_good(uuid_module):
    outcome, reward = run(uuid_module)
    got = statuses(outcome)
    assert len(got) > 100 and got["TestUUID"] == "passed" and got["TestNew"] == "passed"
    assert outcome.tests.passed and outcome.lint.clean, outcome.lint.diagnostics
    assert reward == 1.0


def test_published_module_failing_patch_non_compiling_patch_and_vet_warning(uuid_module):
    failing = patch(uuid_module, "uuid.go", "v, ok := xtob(s[x], s[x+1])", "v, ok := xtob(s[x+1], s[x])")  # in Parse
    outcome, reward = run(uuid_module, failing, lint=False)
    assert outcome.build.ok and "TestUUID" in outcome.tests.ids(Status.FAILED) and reward == 0.1
    broken = patch(uuid_module, "uuid.go", "func Parse(s string) (UUID, error) {", "func Parse(s string) (UUID, error) {\n\tx := 1")
    outcome, reward = run(uuid_module, broken)
    assert [(d.file, "declared and not used" in d.message) for d in outcome.build.errors] == [("uuid.go", True)]
    assert reward == -0.3
    vet = patch(uuid_module, "uuid.go", 'return uuid, fmt.Errorf("invalid urn prefix: %q", s[:9])',
                'return uuid, fmt.Errorf("invalid urn prefix: %d", s[:9])')
    outcome, reward = run(uuid_module, vet)
    assert outcome.tests.passed and [(d.file, d.code) for d in outcome.lint.diagnostics] == [("uuid.go", "printf")]
    assert reward == 0.7


def test_offline_module_download_is_an_infra_error_that_names_network(tmp_path):
    project = tmp_path / "needsdep"
    project.mkdir()
    (project / "go.mod").write_text("module example.com/needsdep\n\ngo 1.21\n\nrequire github.com/google/uuid v1.6.0\n")
    (project / "go.sum").write_text(
        "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
        "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n")
    (project / "id.go").write_text('package needsdep\n\nimport "github.com/google/uuid"\n\n'
                                   "// ID is a new random id.\nfunc ID() string { return uuid.NewString() }\n")
    outcome = check(project, CheckOptions(language="go"))
    assert outcome.infra_error and "--network" in outcome.infra_error
    assert default_reward(outcome).value is None


# -- the Docker backend ------------------------------------------------------------------------------------

def test_same_outcomes_under_the_docker_backend(uuid_module):
    """Known-good, failing subtest, no build, vet warning, gofmt, a published module: the Go image
    (official golang image, or Debian's Go 1.19 on the local base) gives the local verdicts and rewards."""
    from harness.testing import assert_same_on_both_backends, docker_or_skip

    docker_or_skip()
    textkit = {
        "known-good": None,
        "subtest fails": patch(TEXTKIT, "kv/kv.go", "strings.TrimSpace(line[i+1:])", "line[i+1:]"),
        "no build": patch(TEXTKIT, "words/words.go", "return len(strings.Fields(s))", "return len(strings.Fields(s)) + nope"),
        "vet warning": patch(TEXTKIT, "kv/kv.go", "missing '=' in %q", "missing '=' in %d"),
    }
    assert_same_on_both_backends(TEXTKIT, "go", textkit, {"known-good": 1.0, "subtest fails": 0.1, "no build": -0.3,
                                                          "vet warning": 0.7})
    gofmt = patch(INTMATH, "intmath.go", "\ttotal := 0\n", "\ttotal  :=  0\n")
    assert_same_on_both_backends(INTMATH, "go", {"known-good": None, "gofmt": gofmt}, {"known-good": 1.0, "gofmt": 0.7})
    failing = patch(uuid_module, "uuid.go", "v, ok := xtob(s[x], s[x+1])", "v, ok := xtob(s[x+1], s[x])")
    assert_same_on_both_backends(uuid_module, "go", {"known-good": None, "test fails": failing},
                                 {"known-good": 1.0, "test fails": 0.1})


def test_a_first_build_into_an_empty_cache_says_so(tmp_path, caplog, monkeypatch):
    """The cold first build (the standard library, 30-60 s) is announced through the ``harness``
    logger that the CLI prints; a warm cache is quiet."""
    from gauntlet_go import gocmd

    monkeypatch.setenv("GAUNTLET_CACHE_DIR", str(tmp_path / "cache"))
    session = LocalBackend().open(INTMATH, language="go")
    try:
        with caplog.at_level("INFO", logger="harness"):
            gocmd.announce_cold_cache(session)
            (Path(session.cache_dir("go-build")) / "README").write_text("warm")
            gocmd.announce_cold_cache(session)
    finally:
        session.close()
    (record,) = caplog.records
    assert record.name.startswith("harness.") and "empty build cache" in record.getMessage()
