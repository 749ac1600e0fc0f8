"""SWE-bench end to end under the local backend (own-environment mode) on a Python repository.

Gold resolves, empty does not, a patch that does not apply is an error (the model's), one already in
the tree is applied, a test-editing patch is rejected as unresolved, a long log is graded whole,
quarantined tests do not count, and the per-instance report equals swebench's own get_eval_report
on the same log.
"""

import json

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from swe_fixtures import make_instance  # noqa: E402

from harness.benchmarks.swebench.environments import OwnEnvironment  # noqa: E402
from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions  # noqa: E402
from harness.benchmarks.swebench.run import RunOptions, run  # noqa: E402
from harness.plugins import get_plugin_manager  # noqa: E402

BASE = {
    "mathy/__init__.py": "",
    "mathy/ops.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
    "tests/__init__.py": "",
    "tests/test_ops.py": "from mathy.ops import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
}
FIX = {"mathy/ops.py": BASE["mathy/ops.py"].replace("a - b", "a + b")}
NEW_TESTS = {"tests/test_ops.py": BASE["tests/test_ops.py"] + "\n\ndef test_add():\n    assert add(2, 3) == 5\n"}
NEW_TESTS["tests/test_ops.py"] = NEW_TESTS["tests/test_ops.py"].replace("import mul", "import add, mul")


@pytest.fixture
def instance(tmp_path):
    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    return make_instance(
        tmp_path / "repos", "toy/mathy", BASE, FIX, NEW_TESTS,
        test_command="python -m pytest -rA -p no:cacheprovider tests/test_ops.py",
        log_parser="parse_log_pytest",
        fail_to_pass=["tests/test_ops.py::test_add"],
        pass_to_pass=["tests/test_ops.py::test_mul"],
    )


def evaluate(tmp_path, instance, preds, **kw):
    env = OwnEnvironment("local", tmp_path / "repos", get_plugin_manager())
    opts = RunOptions(run_id=kw.pop("run_id", "r1"), output=tmp_path / "out", **kw)
    return run([instance], preds, env, opts)


def test_gold_resolves_and_report_matches_swebench(tmp_path, instance):
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    summary = evaluate(tmp_path, instance, gold_predictions([instance]))
    assert summary["resolved_ids"] == [instance["instance_id"]]
    d = tmp_path / "out" / "r1" / "gold" / instance["instance_id"]
    ours = json.loads((d / "report.json").read_text())
    theirs = get_eval_report(make_test_spec(instance), {"instance_id": instance["instance_id"], "model_patch": instance["patch"],
                             "model_name_or_path": "gold"}, str(d / "test_output.txt"), include_tests_status=True)
    assert ours == theirs
    assert (tmp_path / "out" / "r1" / "gold.r1.json").exists()
    assert (tmp_path / "out" / "r1" / "manifest.json").exists()


def test_empty_does_not_resolve(tmp_path, instance):
    evaluate(tmp_path, instance, empty_predictions([instance]))
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text().splitlines()[0])
    assert rec["status"] == "unresolved"
    f2p = rec["report"][instance["instance_id"]]["tests_status"]["FAIL_TO_PASS"]
    assert f2p["failure"] == ["tests/test_ops.py::test_add"]


def test_patch_that_does_not_apply_is_an_error_of_the_model(tmp_path, instance):
    """As the official summary: no report.json, an error; but the model's (exit 1), with its reason."""
    iid = instance["instance_id"]
    bad = {iid: {"instance_id": iid, "model_name_or_path": "m", "model_patch": instance["patch"].replace("a - b", "a / b")}}
    summary = evaluate(tmp_path, instance, bad)
    assert summary["error_ids"] == [iid] and summary["infra_error_ids"] == [] and summary["completed_ids"] == []
    assert summary["error_reasons"][iid].startswith("patch did not apply")
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["status"] == "patch_failed"
    assert not (tmp_path / "out" / "r1" / "m" / iid / "report.json").exists()


def test_patch_already_in_the_tree_counts_as_applied(tmp_path, instance):
    """The official reverse check: a patch whose result is already the tree is applied (graded on
    the tree as it is), not a failure to apply."""
    iid = instance["instance_id"]
    done = instance["patch"].replace("-    return a - b\n+    return a + b", "-    return a + b\n+    return a - b")
    summary = evaluate(tmp_path, instance, {iid: {"instance_id": iid, "model_name_or_path": "m", "model_patch": done}})
    assert summary["completed_ids"] == [iid] and summary["unresolved_ids"] == [iid] and summary["error_ids"] == []
    assert "verified already applied" in (tmp_path / "out" / "r1" / "m" / iid / "run_instance.log").read_text()


def test_rejected_test_edit_is_unresolved_with_its_reason(tmp_path, instance):
    """A copy header that creates conftest.py (no ---/+++ lines) is seen, and the rejection is the
    model's failure: unresolved, with the reason in report.json, not an infrastructure error."""
    iid = instance["instance_id"]
    hack = ("diff --git a/mathy/__init__.py b/conftest.py\nsimilarity index 100%\n"
            "copy from mathy/__init__.py\ncopy to conftest.py\n")
    preds = {iid: {"instance_id": iid, "model_name_or_path": "m", "model_patch": instance["patch"] + hack}}
    summary = evaluate(tmp_path, instance, preds, reject_test_edits=True)
    assert summary["unresolved_ids"] == [iid] and summary["error_ids"] == []
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["status"] == "rejected" and rec["test_edits"] == ["conftest.py"]
    report = json.loads((tmp_path / "out" / "r1" / "m" / iid / "report.json").read_text())
    assert report[iid]["resolved"] is False and "conftest.py" in report[iid]["rejected"]


def test_long_test_output_is_graded_whole_and_resources_are_recorded(tmp_path):
    """6 MiB of output around the test run (the captured output keeps 4 MiB, head and tail): the
    graded section in the middle is read from the file the output went to, and gold resolves."""
    noise = "python -c 'print(\"x\" * 3_000_000)'"
    inst = make_instance(
        tmp_path / "repos", "toy/mathy", BASE, FIX, NEW_TESTS,
        test_command=f"{noise}; python -m pytest -rA -p no:cacheprovider tests/test_ops.py; {noise}",
        log_parser="parse_log_pytest", fail_to_pass=["tests/test_ops.py::test_add"],
        pass_to_pass=["tests/test_ops.py::test_mul"],
    )
    summary = evaluate(tmp_path, inst, gold_predictions([inst]))
    iid = inst["instance_id"]
    assert summary["resolved_ids"] == [iid], summary
    assert (tmp_path / "out" / "r1" / "gold" / iid / "test_output.txt").stat().st_size > 6_000_000
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["cpu_seconds"] > 0 and rec["peak_memory_mb"] > 1 and rec["total_seconds"] >= rec["eval_seconds"] > 0
    assert summary["resources"]["instances"][iid]["cpu_seconds"] == rec["cpu_seconds"]


def test_quarantined_tests_do_not_count(tmp_path, instance):
    """With FAIL_TO_PASS's only test quarantined, the empty patch has nothing left to fail; the
    report marks the test."""
    iid = instance["instance_id"]
    summary = evaluate(tmp_path, instance, empty_predictions([instance]), quarantine={iid: ["tests/test_ops.py::test_add"]})
    report = json.loads((tmp_path / "out" / "r1" / "empty" / iid / "report.json").read_text())
    assert report[iid]["quarantined"] == ["tests/test_ops.py::test_add"]
    assert report[iid]["resolved"] is True and summary["empty_patch_results"] == {iid: "resolved"}


def test_rerun_skips_finished_instances(tmp_path, instance):
    evaluate(tmp_path, instance, gold_predictions([instance]))
    seen = []
    env = OwnEnvironment("local", tmp_path / "repos", get_plugin_manager())
    run([instance], gold_predictions([instance]), env, RunOptions(run_id="r1", output=tmp_path / "out"),
        on_result=lambda i, r: seen.append(i))
    assert seen == []
    assert len((tmp_path / "out" / "r1" / "results.jsonl").read_text().splitlines()) == 1
    # Resuming with options or predictions that would change the results is refused.
    from harness.errors import UsageError

    with pytest.raises(UsageError, match=r"reject_test_edits False -> True.*--rerun"):
        evaluate(tmp_path, instance, gold_predictions([instance]), reject_test_edits=True)
    with pytest.raises(UsageError, match=r"toy__mathy-1 \(prediction\)"):
        evaluate(tmp_path, instance, {instance["instance_id"]: {
            "instance_id": instance["instance_id"], "model_name_or_path": "gold", "model_patch": instance["patch"] + "\n"}})


def test_eval_timeout_bounds_plugin_run_instances(tmp_path, instance):
    """``--timeout`` bounds a plugin-run ("gauntlet" parser) instance's tests too, not only an eval
    script: an endless loop is stopped at the run's timeout, not at the environment's 1800 s."""
    native = {**instance, "log_parser": "gauntlet", "language": "python"}
    iid = native["instance_id"]
    hang = native["patch"].replace("+    return a + b", "+    while True:\n+        pass")
    hang = hang.replace("@@ -1,5 +1,5 @@", "@@ -1,5 +1,6 @@")
    preds = {iid: {"instance_id": iid, "model_name_or_path": "m", "model_patch": hang}}
    summary = evaluate(tmp_path, native, preds, timeout=3)
    assert summary["unresolved_ids"] == [iid]
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["status"] == "unresolved", rec
    log = (tmp_path / "out" / "r1" / "m" / iid / "run_instance.log").read_text()
    assert "did not finish within 3s" in log, log
