"""The Python plugin on real small projects, with the real python, pytest and ruff."""

import subprocess
import textwrap
from pathlib import Path

import pytest
from gauntlet_python import plugin

from harness.evaluate import CheckOptions, check
from harness.mutation import MutateOptions
from harness.outcome import Status
from harness.plugins import PluginManager
from harness.rewards import default_reward
from harness.sandbox import Limits
from harness.sandbox.local import LocalBackend

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "python" / "slugify"


@pytest.fixture
def pm():
    m = PluginManager(load_entry_points=False)
    m.add(plugin)
    return m


def project(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return tmp_path


@pytest.fixture
def session_of():
    opened = []

    def open_(path, **limits):
        s = LocalBackend().open(path, language="python", limits=Limits(**limits) if limits else None)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


def test_detect(tmp_path):
    assert plugin.gauntlet_detect(workspace=EXAMPLE) == 1.0
    (tmp_path / "x.py").write_text("")
    assert plugin.gauntlet_detect(workspace=tmp_path) == 0.5
    assert plugin.gauntlet_detect(workspace=tmp_path / "nothing") is None


def test_hooks_answer_without_asking_for_the_language(session_of):
    """The core calls these hooks only for Python sessions: they no longer compare the language."""
    s = session_of(EXAMPLE)
    s.language = None
    assert plugin.gauntlet_build(session=s).ok
    assert plugin.gauntlet_image(language="python") is not None


def test_syntax_errors_with_file_and_line(tmp_path, session_of):
    ws = project(tmp_path, {"pkg/a.py": "x = 1\n", "pkg/b.py": "def f(:\n    pass\n"})
    result = plugin.gauntlet_build(session=session_of(ws))
    assert not result.ok
    [d] = result.diagnostics
    assert (d.file, d.line, d.severity) == ("pkg/b.py", 1, "error")


STATUS_PROJECT = {
    "tests/test_mix.py": """
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture exploded")

        def test_ok():
            assert True

        def test_fails():
            assert 1 == 2

        def test_errors(broken):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.parametrize("n", [1, 2])
        def test_param(n):
            assert n == 1

        class TestGroup:
            def test_inside(self):
                assert True
    """,
}


def test_per_test_ids_and_statuses(tmp_path, session_of):
    report = plugin.gauntlet_test(session=session_of(project(tmp_path, STATUS_PROJECT)), selection=None, fail_fast=False)
    got = {t: r.status for t, r in report.tests.items()}
    assert got == {
        "tests/test_mix.py::test_ok": Status.PASSED,
        "tests/test_mix.py::test_fails": Status.FAILED,
        "tests/test_mix.py::test_errors": Status.ERROR,
        "tests/test_mix.py::test_skipped": Status.SKIPPED,
        "tests/test_mix.py::test_param[1]": Status.PASSED,
        "tests/test_mix.py::test_param[2]": Status.FAILED,
        "tests/test_mix.py::TestGroup::test_inside": Status.PASSED,
    }
    assert "assert 1 == 2" in report.tests["tests/test_mix.py::test_fails"].message
    assert "test_fails" in report.log


def test_selection_runs_only_the_named_tests(tmp_path, session_of):
    s = session_of(project(tmp_path, STATUS_PROJECT))
    report = plugin.gauntlet_test(session=s, selection=["tests/test_mix.py::TestGroup::test_inside"], fail_fast=False)
    assert list(report.tests) == ["tests/test_mix.py::TestGroup::test_inside"]


def test_no_tests_is_an_error_not_a_pass(tmp_path, session_of):
    report = plugin.gauntlet_test(session=session_of(project(tmp_path, {"a.py": "x = 1\n"})), selection=None, fail_fast=False)
    assert report.error == "no tests collected" and not report.passed


def test_hanging_suite_is_killed(tmp_path, session_of):
    ws = project(tmp_path, {"tests/test_hang.py": "import time\n\ndef test_hang():\n    time.sleep(60)\n"})
    report = plugin.gauntlet_test(session=session_of(ws, timeout=3), selection=None, fail_fast=False)
    assert report.timed_out and "did not finish" in report.error


def test_lint_findings_and_clean(tmp_path, session_of):
    ws = project(tmp_path, {"pyproject.toml": "[tool.ruff.lint]\nselect = ['F']\n", "m.py": "import os\n"})
    lint = plugin.gauntlet_lint(session=session_of(ws))
    [d] = lint.diagnostics
    assert (d.file, d.line, d.code, d.severity) == ("m.py", 1, "F401", "warning")
    (ws / "m.py").write_text("x = 1\n")
    assert plugin.gauntlet_lint(session=session_of(ws)).clean


@pytest.mark.parametrize("patch,reward,code", [(None, 0.1, "builds, tests fail"), ("fix.diff", 1.0, "tests pass and lint clean"),
                                               ("fix-with-warning.diff", 0.7, "tests pass, lint warnings"),
                                               ("broken.diff", -0.3, "build / syntax failure")])
def test_example_outcomes_and_rewards(pm, patch, reward, code):
    text = (EXAMPLE / patch).read_text() if patch else None
    outcome = check(EXAMPLE, CheckOptions(patch=text), pm=pm)
    r = default_reward(outcome)
    assert (r.value, r.row) == (reward, code)
    if patch is None:
        assert outcome.tests.ids(Status.FAILED) == [
            "tests/test_slugify.py::test_edges[  spaced   out  -spaced-out]",
            "tests/test_slugify.py::test_edges[----]",
            "tests/test_slugify.py::test_strips_punctuation",
        ]


def test_patch_that_does_not_apply(pm):
    outcome = check(EXAMPLE, CheckOptions(patch=(EXAMPLE / "fix.diff").read_text().replace("ascii_text.lower())", "x)")), pm=pm)
    assert outcome.patch_applied is False and default_reward(outcome).value == -0.3


def test_mutations_cover_operators_apply_and_are_deterministic(tmp_path):
    src = project(tmp_path, {
        "lib/calc.py": """
            def f(a, b, xs):
                if a < b and b > 0:
                    total = a + b
                    total = total * 2
                    return pow(total, 2) == xs[1:3]
                return a - 1
        """,
        "tests/test_calc.py": "def test_x():\n    assert 1 < 2\n",
        "conftest.py": "x = 1 + 2\n",
    })
    subprocess.run(["git", "init", "-q"], cwd=src, check=True)
    muts = plugin.gauntlet_mutate(workspace=src, options=MutateOptions(language="python", seed=1))
    ops = {m.operator for m in muts}
    assert {"comparison_flip", "wrong_operator", "off_by_one", "slice_off_by_one", "negate_condition", "bool_swap",
            "swap_arguments", "remove_statement"} <= ops
    assert {m.file for m in muts} == {"lib/calc.py"}
    for m in muts:
        check_ = subprocess.run(["git", "apply", "--check", "-"], cwd=src, input=m.diff, text=True, capture_output=True)
        assert check_.returncode == 0, (m, check_.stderr)
    again = plugin.gauntlet_mutate(workspace=src, options=MutateOptions(language="python", seed=1))
    assert [m.id for m in again] == [m.id for m in muts]
    other = plugin.gauntlet_mutate(workspace=src, options=MutateOptions(language="python", seed=2))
    assert [m.id for m in other] != [m.id for m in muts] and sorted(m.id for m in other) == sorted(m.id for m in muts)
    assert len(plugin.gauntlet_mutate(workspace=src, options=MutateOptions(language="python", max_candidates=3))) == 3
