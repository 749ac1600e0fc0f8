"""SWE-bench end to end under the local backend (own-environment mode) on a Python repository.

Gold resolves, empty does not, a patch that does not apply fails, a test-editing patch is flagged,
and the per-instance report equals swebench's own get_eval_report on the same log.
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


def test_patch_that_does_not_apply_fails_cleanly(tmp_path, instance):
    bad = {instance["instance_id"]: {"instance_id": instance["instance_id"], "model_name_or_path": "m",
                                     "model_patch": instance["patch"].replace("a - b", "a / b")}}
    summary = evaluate(tmp_path, instance, bad)
    assert summary["unresolved_ids"] == [instance["instance_id"]]
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["status"] == "patch_failed"


def test_test_editing_patch_is_flagged_and_rejected_on_request(tmp_path, instance):
    hack = "diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+x = 1\n"
    preds = {instance["instance_id"]: {"instance_id": instance["instance_id"], "model_name_or_path": "m",
                                       "model_patch": instance["patch"] + hack}}
    evaluate(tmp_path, instance, preds)
    rec = json.loads((tmp_path / "out" / "r1" / "results.jsonl").read_text())
    assert rec["test_edits"] == ["conftest.py"] and rec["status"] == "resolved"
    evaluate(tmp_path, instance, preds, run_id="r2", reject_test_edits=True)
    rec = json.loads((tmp_path / "out" / "r2" / "results.jsonl").read_text())
    assert rec["status"] == "rejected"


def test_rerun_skips_finished_instances(tmp_path, instance):
    evaluate(tmp_path, instance, gold_predictions([instance]))
    seen = []
    env = OwnEnvironment("local", tmp_path / "repos", get_plugin_manager())
    run([instance], gold_predictions([instance]), env, RunOptions(run_id="r1", output=tmp_path / "out"),
        on_result=lambda i, r: seen.append(i))
    assert seen == []
    assert len((tmp_path / "out" / "r1" / "results.jsonl").read_text().splitlines()) == 1


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
