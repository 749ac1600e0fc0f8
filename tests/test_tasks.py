"""Task generation on the bundled Python example: format, gates, and gold / empty through `gauntlet swebench`."""

import json
import shutil
from pathlib import Path

import pytest

from harness.plugins import get_plugin_manager
from harness.tasks.generate import GenerateOptions, generate
from harness.tasks.stats import compute, gates

pytest.importorskip("swebench", reason="the swebench extra is not installed (pip install gauntlet-harness[swebench])")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    pm = get_plugin_manager()
    if "python" not in pm.languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    tmp = tmp_path_factory.mktemp("tasks")
    src = tmp / "slugify"
    shutil.copytree(EXAMPLE, src)
    (src / "slugify" / "core.py").write_text((src / "slugify" / "core.py").read_text().replace(
        "_NON_WORD.split(ascii_text.lower())", "[w for w in _NON_WORD.split(ascii_text.lower()) if w]"))
    out = tmp / "tasks.jsonl"
    opts = GenerateOptions(language="python", repo_name="example/slugify", output=out, store=tmp / "store",
                           max_tasks=4, max_candidates=30, workers=2, seed=3, timeout=120)
    report = generate(src, opts, pm)
    return report, out, opts, src, pm


def test_generation_keeps_caught_bugs_in_swe_format(generated):
    report, out, _, _, _ = generated
    assert report.baseline.stable and not report.baseline.flaky
    assert report.kept == 4 and report.survived + report.build_failed + report.kept == report.validated
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert {"instance_id", "repo", "base_commit", "patch", "FAIL_TO_PASS", "PASS_TO_PASS", "problem_statement"} <= set(row)
        assert row["FAIL_TO_PASS"] and not set(row["FAIL_TO_PASS"]) & set(row["PASS_TO_PASS"])
        assert row["language"] == "python" and row["log_parser"] == "gauntlet"
        assert row["patch"].startswith("diff --git")
        changed = [ln[1:].strip() for ln in row["patch"].splitlines() if ln[:1] in "+-" and ln[1:2] not in "+-"]
        assert not any(len(c) > 8 and c in row["problem_statement"] for c in changed)  # from the tests, not the diff
    debug = [json.loads(line) for line in out.with_name("tasks.debug.jsonl").read_text().splitlines()]
    assert [d["instance_id"] for d in debug] == [r["instance_id"] for r in rows]
    assert all(d["buggy"] != d["fixed"] for d in debug)


def test_stats_and_gates(generated):
    _, out, _, _, _ = generated
    s = compute(out)
    assert s["tasks"] == 4 and s["duplicates"] == 0 and s["median_diff_lines"] >= 2
    assert sum(s["per_operator"].values()) == 4
    by_name = {g.name: g.passed for g in gates(s, min_caught=3)}
    assert by_name == {"caught mutations": True, "duplicate (buggy, fixed) pairs": True, "share with >= 2 failing tests": True}
    assert not gates(s)[0].passed  # the roadmap's 3,000


def test_rerun_resumes_without_revalidating(generated):
    report, out, opts, src, pm = generated
    again = generate(src, opts, pm)
    assert again.validated == report.validated and again.kept == 4


def test_generated_tasks_evaluate_gold_resolved_empty_not(generated, tmp_path):
    from harness.benchmarks.swebench.dataset import load_instances
    from harness.benchmarks.swebench.environments import OwnEnvironment
    from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions
    from harness.benchmarks.swebench.run import RunOptions, run

    _, out, opts, _, pm = generated
    rows = load_instances(str(out))
    env = OwnEnvironment("local", opts.store, pm)
    gold = run(rows, gold_predictions(rows), env, RunOptions(run_id="gold", output=tmp_path))
    assert gold["resolved_instances"] == 4
    run(rows, empty_predictions(rows), env, RunOptions(run_id="empty", output=tmp_path))
    recs = [json.loads(line) for line in (tmp_path / "empty" / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in recs] == ["unresolved"] * 4
