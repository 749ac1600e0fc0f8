"""Flaky tests: run gold and empty several times, report every graded test whose status changes.

``gauntlet swebench --validate N`` evaluates the gold patches N times and the empty patches N times
(each a run of its own, ``<run_id>-gold-<k>`` / ``<run_id>-empty-<k>``) and compares, per instance,
the FAIL_TO_PASS and PASS_TO_PASS statuses of the reports (``tests_status``) across the runs of the
same patch.  A test that passed in one run and failed in another is flaky: it goes into the
quarantine file (``{instance_id: [test, ...]}``), which a later run applies with ``--quarantine``:
its tests are left out of the grading and each report.json lists them under ``quarantined``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError

GRADED = ("FAIL_TO_PASS", "PASS_TO_PASS")


def outcomes(report: dict[str, Any] | None, iid: str) -> dict[str, str]:
    """test -> "pass" | "fail" from one report.json's tests_status (empty when there is none)."""
    status = ((report or {}).get(iid) or {}).get("tests_status") or {}
    out = {}
    for key in GRADED:
        for test in status.get(key, {}).get("success", []):
            out[test] = "pass"
        for test in status.get(key, {}).get("failure", []):
            out[test] = "fail"
    return out


def find_flaky(runs: dict[str, list[dict[str, dict[str, Any] | None]]]) -> dict[str, dict[str, dict[str, list[str]]]]:
    """``runs``: label ("gold", "empty") -> one {instance_id: report} per repetition.  Returns
    instance_id -> test -> label -> the test's status in each repetition, for the tests whose status
    changed between repetitions of the same label (a run that has no report for it is skipped)."""
    flaky: dict[str, dict[str, dict[str, list[str]]]] = {}
    for label, reps in runs.items():
        for iid in sorted({i for rep in reps for i in rep}):
            seen = [outcomes(rep.get(iid), iid) for rep in reps if rep.get(iid)]
            for test in sorted({t for s in seen for t in s}):
                statuses = [s.get(test, "missing") for s in seen]
                if len(set(statuses)) > 1:
                    flaky.setdefault(iid, {}).setdefault(test, {})[label] = statuses
    # Show both labels for a flaky test where both ran, so the report reads as a whole.
    for label, reps in runs.items():
        for iid, tests in flaky.items():
            for test, by in tests.items():
                if label not in by:
                    by[label] = [outcomes(rep.get(iid), iid).get(test, "missing") for rep in reps if rep.get(iid)]
    return flaky


def quarantine_of(flaky: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    return {iid: sorted(tests) for iid, tests in sorted(flaky.items())}


def load_quarantine(path: Path) -> dict[str, list[str]]:
    """A quarantine file as ``--validate`` writes it; ``UsageError`` for anything else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read the quarantine file {path}: {e}") from e
    tests = data.get("quarantine") if isinstance(data, dict) and "quarantine" in data else data
    if not isinstance(tests, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(t, str) for t in v) for k, v in tests.items()
    ):
        raise UsageError(f"{path}: a quarantine file maps instance ids to lists of test ids")
    return tests


def validate(instances: list[dict], env, options, repeats: int, on_run=None) -> dict[str, Any]:
    """Run gold and empty ``repeats`` times each; returns the validation report (also written to
    ``<output>/<run_id>.validate.json``, its quarantine to ``<output>/<run_id>.quarantine.json``)."""
    from dataclasses import replace

    from harness.benchmarks.swebench.predictions import empty_predictions, gold_predictions
    from harness.benchmarks.swebench.run import model_dir, run
    from harness.results import atomic_write_text

    if repeats < 2:
        raise UsageError("--validate needs at least 2 runs to compare")
    runs: dict[str, list[dict[str, Any]]] = {"gold": [], "empty": []}
    summaries = {}
    for label, preds in (("gold", gold_predictions(instances)), ("empty", empty_predictions(instances))):
        for k in range(repeats):
            opts = replace(options, run_id=f"{options.run_id}-{label}-{k + 1}")
            summaries[opts.run_id] = run(instances, preds, env, opts)
            if on_run:
                on_run(opts.run_id, summaries[opts.run_id])
            rep = {}
            for iid, pred in preds.items():
                path = options.output / opts.run_id / model_dir(pred) / iid / "report.json"
                rep[iid] = json.loads(path.read_text()) if path.exists() else None
            runs[label].append(rep)
    flaky = find_flaky(runs)
    report = {
        "repeats": repeats,
        "runs": {rid: {"resolved": s["resolved_ids"], "errors": s["error_ids"]} for rid, s in summaries.items()},
        "flaky": flaky,
        "quarantine": quarantine_of(flaky),
    }
    atomic_write_text(options.output / f"{options.run_id}.validate.json", json.dumps(report, indent=2))
    atomic_write_text(options.output / f"{options.run_id}.quarantine.json", json.dumps(report["quarantine"], indent=2))
    return report
