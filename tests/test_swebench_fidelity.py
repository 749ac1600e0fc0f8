"""SWE-bench grading as the official harness grades, without a sandbox: the guard on every git
header, the summary's counting, classification without network, flaky-test detection, and the
refusal of predictions that are not in the dataset."""

import json
import os
import subprocess

import pytest

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")

from swe_fixtures import git, make_instance  # noqa: E402

from harness.benchmarks.swebench.flaky import find_flaky, load_quarantine  # noqa: E402
from harness.benchmarks.swebench.guard import find_test_edits, touched_paths  # noqa: E402
from harness.benchmarks.swebench.summary import summarize  # noqa: E402
from harness.errors import UsageError  # noqa: E402


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "r"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / "src").mkdir()
    (r / "src" / "helpers.py").write_text("".join(f"line {i}\n" for i in range(40)))
    (r / "tests").mkdir()
    (r / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    (r / "tests" / "run.sh").write_text("echo\n")
    (r / "data.bin").write_bytes(bytes(range(256)))
    git(r, "add", "-A")
    git(r, "commit", "-qm", "base")
    return r


def _staged_diff(repo, *flags):
    git(repo, "add", "-A")
    out = subprocess.run(["git", "diff", "--cached", *flags], cwd=repo, check=True, capture_output=True, text=True).stdout
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-fdq")
    return out


def test_guard_reads_every_git_header(repo):
    """Patches as git writes them: a copy and a rename that create conftest.py (no ---/+++ lines),
    a mode-only change, binary files in both forms, a deletion by rename and a quoted name."""
    import shutil

    shutil.copy(repo / "src" / "helpers.py", repo / "conftest.py")
    copy = _staged_diff(repo, "-C", "--find-copies-harder")
    assert "copy to conftest.py" in copy and "+++" not in copy
    assert find_test_edits(copy) == ["conftest.py"]

    (repo / "src" / "helpers.py").rename(repo / "src" / "conftest.py")
    rename = _staged_diff(repo, "-M")
    assert "rename to src/conftest.py" in rename and "+++" not in rename
    assert find_test_edits(rename) == ["src/conftest.py"]

    (repo / "tests" / "test_a.py").rename(repo / "src" / "moved.py")  # a test renamed away
    assert find_test_edits(_staged_diff(repo, "-M")) == ["tests/test_a.py"]

    os.chmod(repo / "tests" / "run.sh", 0o755)
    mode = _staged_diff(repo)
    assert "new mode 100755" in mode and "@@" not in mode
    assert find_test_edits(mode) == ["tests/run.sh"]

    (repo / "tests" / "fixture.bin").write_bytes(bytes(range(256)))
    assert find_test_edits(_staged_diff(repo)) == ["tests/fixture.bin"]  # "Binary files ... differ"
    (repo / "tests" / "fixture.bin").write_bytes(bytes(range(256)))
    binary = _staged_diff(repo, "--binary")
    assert "GIT binary patch" in binary
    assert find_test_edits(binary) == ["tests/fixture.bin"]

    (repo / "tests" / "test_é x.py").write_text("x = 1\n")
    quoted = _staged_diff(repo)
    assert '"b/tests/test_\\303\\251 x.py"' in quoted
    assert find_test_edits(quoted) == ["tests/test_é x.py"]
    assert touched_paths("diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\t2020-01-01\n+++ b/src/a.py\n") == {"src/a.py"}


def _rec(status, resolved=False, report=True, **kw):
    return {"status": status, "resolved": resolved, "report": {"x": {}} if report else None, "total_seconds": 2.0,
            "eval_seconds": 1.0, "cpu_seconds": 0.5, "peak_memory_mb": 10.0, **kw}


def test_summary_counts_as_the_official_harness(tmp_path):
    """A patch that does not apply and tests past the timeout are errors (no report.json), but the
    model's, not the harness's; a rejected prediction is unresolved; an empty patch is an empty
    patch unless the harness failed on it, which is an infrastructure error."""
    ids = ["applied", "bad", "slow", "rejected", "empty", "empty-broken", "broken"]
    instances = [{"instance_id": i} for i in ids]
    preds = {i: {"instance_id": i, "model_name_or_path": "m", "model_patch": "" if i.startswith("empty") else "diff"}
             for i in ids}
    results = {
        "applied": _rec("resolved", True),
        "bad": _rec("patch_failed", report=False, reason="patch did not apply: error: corrupt patch"),
        "slow": _rec("timeout", report=False, reason="tests timed out after 5 seconds"),
        "rejected": _rec("rejected", reason="rejected: edits tests"),
        "empty": _rec("unresolved"),
        "empty-broken": _rec("error", report=False, error="infrastructure failure: no image"),
        "broken": _rec("error", report=False, error="infrastructure failure: daemon"),
    }
    s = summarize(instances, preds, results, tmp_path)
    assert s["resolved_ids"] == ["applied"] and s["unresolved_ids"] == ["rejected"]
    assert s["error_ids"] == ["bad", "broken", "empty-broken", "slow"]
    assert s["infra_error_ids"] == ["broken", "empty-broken"]
    assert s["empty_patch_ids"] == ["empty"] and s["empty_patch_results"] == {"empty": "unresolved"}
    assert s["error_reasons"]["bad"].startswith("patch did not apply")
    assert s["resources"]["cpu_seconds"] == 3.5 and s["resources"]["peak_memory_mb"] == 10.0


def test_no_network_by_choice_is_not_an_environment_failure(tmp_path):
    d = tmp_path / "m" / "x"
    d.mkdir(parents=True)
    (d / "test_output.txt").write_text("pip: Temporary failure in name resolution\nFAILED test_x\n")
    (d / "run_instance.log").write_text("")
    args = ([{"instance_id": "x"}], {"x": {"instance_id": "x", "model_name_or_path": "m", "model_patch": "d"}},
            {"x": _rec("unresolved")}, tmp_path)
    assert summarize(*args)["infra_failure_ids"] == ["x"]  # with network, DNS failing is the environment's
    off = summarize(*args, network=False)
    assert off["infra_failure_ids"] == [] and off["failure_reasons"] == {} and off["unresolved_ids"] == ["x"]


def test_flaky_tests_are_those_whose_status_changes(tmp_path):
    def report(success, failure):
        return {"i": {"tests_status": {"FAIL_TO_PASS": {"success": success, "failure": failure},
                                       "PASS_TO_PASS": {"success": ["p"], "failure": []}}}}

    runs = {"gold": [{"i": report(["f1", "f2"], [])}, {"i": report(["f1"], ["f2"])}, {"i": None}],
            "empty": [{"i": report([], ["f1", "f2"])}, {"i": report([], ["f1", "f2"])}]}
    assert find_flaky(runs) == {"i": {"f2": {"gold": ["pass", "fail"], "empty": ["fail", "fail"]}}}
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"i": ["f2"]}))
    assert load_quarantine(path) == {"i": ["f2"]}
    path.write_text(json.dumps(["f2"]))
    with pytest.raises(UsageError, match="maps instance ids"):
        load_quarantine(path)


def test_predictions_not_in_the_dataset_are_refused(tmp_path):
    from harness.benchmarks.swebench.plan import plan

    inst = make_instance(tmp_path / "repos", "toy/one", {"a.py": "x = 1\n"}, {"a.py": "x = 2\n"}, {"t.py": "y = 1\n"},
                         "true", "parse_log_pytest", [], [])
    data = tmp_path / "data.json"
    data.write_text(json.dumps([inst]))
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(json.dumps({"instance_id": i, "model_name_or_path": "m", "model_patch": ""})
                               for i in (inst["instance_id"], "other__repo-1", "other__repo-2")))
    with pytest.raises(UsageError, match="2 prediction id.*other__repo-1, other__repo-2"):
        plan(str(data), predictions=preds, mode="own", backend="local", repos=tmp_path / "repos")


def test_cli_exit_codes_say_whose_failure(tmp_path):
    """``--empty`` where the harness fails (the repository is missing from the store) is an
    infrastructure error (exit 3), each errored instance on screen with its reason; predictions
    for instances the dataset lacks are a usage error (exit 2)."""
    from typer.testing import CliRunner

    from harness.cli import app

    inst = make_instance(tmp_path / "repos", "toy/one", {"a.py": "x = 1\n"}, {"a.py": "x = 2\n"}, {"t.py": "y = 1\n"},
                         "true", "parse_log_pytest", [], [])
    data = tmp_path / "data.json"
    data.write_text(json.dumps([inst]))
    (tmp_path / "empty-store").mkdir()
    base = ["swebench", "-d", str(data), "--mode", "own", "-b", "local", "-o", str(tmp_path / "out")]
    r = CliRunner().invoke(app, [*base, "--empty", "--repos", str(tmp_path / "empty-store"), "--run-id", "e"])
    assert r.exit_code == 3, r.output
    assert f"error {inst['instance_id']}: infrastructure failure" in r.output
    summary = json.loads((tmp_path / "out" / "e" / "empty.e.json").read_text())
    assert summary["error_ids"] == [inst["instance_id"]] and summary["empty_patch_ids"] == []

    preds = tmp_path / "p.json"
    preds.write_text(json.dumps([{"instance_id": "ghost__repo-9", "model_patch": "x", "model_name_or_path": "m"}]))
    r = CliRunner().invoke(app, [*base, "-p", str(preds), "--repos", str(tmp_path / "repos")])
    assert r.exit_code == 2 and "ghost__repo-9" in r.output
