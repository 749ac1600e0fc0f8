"""Batched validation (``gauntlet_test_variants``: the Python plugin's warm pytest that forks per
candidate) gives the same verdicts as validating one candidate at a time with build + test.

The warm path runs only the tests that call the mutated function; where the cold whole-suite run
timed out (a mutant that loops), every test without a result counted as failing, so there the warm
FAIL_TO_PASS is the part of it that really reaches the bug."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from harness.mutation import MutateOptions, Variant, make_mutation
from harness.plugins import get_plugin_manager
from harness.sandbox import Limits, get_backend
from harness.tasks.generate import baseline, validate, validate_batch

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"
CORE = "slugify/core.py"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    pm = get_plugin_manager()
    if "python" not in pm.languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    src = tmp_path_factory.mktemp("batch") / "slugify"
    shutil.copytree(EXAMPLE, src)
    core = src / CORE
    core.write_text(core.read_text().replace("_NON_WORD.split(ascii_text.lower())",
                                             "[w for w in _NON_WORD.split(ascii_text.lower()) if w]"))
    session = get_backend("local").open(src, language="python", limits=Limits(timeout=4))
    stable = baseline(session, pm).stable
    yield pm, src, session, stable
    session.close()


def candidates(src: Path, pm) -> list:
    text = (src / CORE).read_text()
    found = pm.for_language("python").gauntlet_mutate(workspace=src, options=MutateOptions(language="python", seed=1, max_candidates=10))
    loop = text.index("    words = ")
    hang = make_mutation(CORE, text, loop, loop, "    while True:\n        pass\n", "hang")
    broken = make_mutation(CORE, text, text.index("def slugify"), text.index("def slugify") + 3, "def def", "syntax")
    stale = replace(found[0], original="not in the file", diff=found[0].diff.replace("\n-", "\n-#stale", 1))
    return [*found, hang, broken, stale]


ONE_BY_ONE: dict[bool, list[dict]] = {}


def comparable(rec: dict) -> tuple:
    return rec["verdict"], rec.get("FAIL_TO_PASS"), rec.get("PASS_TO_PASS")


def assert_same_verdicts(batched: list[dict], one_by_one: list[dict]) -> None:
    assert [r["verdict"] for r in batched] == [r["verdict"] for r in one_by_one]
    for b, o in zip(batched, one_by_one, strict=True):
        if o.get("timed_out") or b.get("timed_out"):
            assert b["FAIL_TO_PASS"] and set(b["FAIL_TO_PASS"]) <= set(o["FAIL_TO_PASS"])
        else:
            assert comparable(b) == comparable(o)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
@pytest.mark.parametrize("subset", [False, True], ids=["whole-suite", "related-first"])
def test_batched_verdicts_equal_one_by_one(project, subset, warm, monkeypatch):
    pm, src, session, stable = project
    monkeypatch.setenv("GAUNTLET_PYTHON_WARM", "1" if warm else "0")
    ms = candidates(src, pm)
    related = (lambda m: stable[:4]) if subset else (lambda m: None)
    if subset not in ONE_BY_ONE:  # the reference, the same for both paths
        ONE_BY_ONE[subset] = [validate(session, pm, m, stable, related(m), fail_fast=True) for m in ms]
    one_by_one = ONE_BY_ONE[subset]
    batched = validate_batch(session, pm, src, ms, stable, related, fail_fast=True)
    assert_same_verdicts(batched, one_by_one)
    if not warm:
        assert [comparable(r) for r in batched] == [comparable(r) for r in one_by_one]
    assert any("pass_to_pass_not_run" in r for r in batched) == warm
    verdicts = [r["verdict"] for r in batched]
    assert verdicts[-3:] == ["caught", "build_failed", "not_applied"]  # hang, syntax error, stale span
    assert "caught" in verdicts[:-3] and batched[-3]["timed_out"]
    caught = next(r for r in batched if r["verdict"] == "caught")
    assert caught["buggy"] != (src / CORE).read_text() and caught["messages"]
    assert session.read_file(CORE) == (src / CORE).read_bytes()  # every variant was undone


def test_plugin_answers_variants_in_one_runner(project):
    pm, src, session, stable = project
    text = (src / CORE).read_text()
    results = pm.for_language("python").gauntlet_test_variants(session=session, variants=[
        Variant(CORE, text), Variant(CORE, text + "\ndef broken(:\n", stable[:2]),
        Variant(CORE, text.replace("return slug", "return slug.upper()"), stable, fail_fast=True)])
    assert [r.build.ok for r in results] == [True, False, True]
    assert results[0].tests.ids(results[0].tests.tests[stable[0]].status) and not results[0].tests.error
    assert set(results[0].tests.tests) >= set(stable)
    assert results[1].tests is None and results[1].build.errors[0].file == CORE
    failed = [t for t, r in results[2].tests.tests.items() if r.status.value == "failed"]
    assert len(failed) == 1  # -x: the run stopped at the first failure


def test_warm_path_runs_only_the_callers(project):
    """A change inside a function runs the tests that call it and lists the others as unaffected;
    a module-level change (no function holds it) takes the cold path and runs every test."""
    pm, src, session, stable = project
    text = (src / CORE).read_text()
    in_function = text.replace("n += 1", "n += 2")  # unique_slug: only TestUnique calls it
    module_level = text.replace('re.compile(r"[^a-z0-9]+")', 're.compile(r"[^a-z]+")')
    assert in_function != text and module_level != text
    body, top = pm.for_language("python").gauntlet_test_variants(session=session, variants=[
        Variant(CORE, in_function), Variant(CORE, module_level)])
    ran = set(body.tests.tests)
    assert ran and all("::TestUnique::" in t for t in ran)
    assert set(body.unaffected) == set(stable) - ran
    assert body.tests.ids(body.tests.tests["tests/test_slugify.py::TestUnique::test_taken_slug_gets_a_number"].status)
    assert top.unaffected is None and set(top.tests.tests) >= set(stable)
    assert session.read_file(CORE) == (src / CORE).read_bytes()
