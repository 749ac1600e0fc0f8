"""The run summary, in the schema of the official ``make_run_report`` (schema_version 2).

Written by us rather than by calling ``make_run_report``, which reads logs from a path relative to
the working directory; the keys and counting rules are the official ones, and likely
infrastructure failures are classified with swebench's own ``classify_logs``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def summarize(instances: list[dict], predictions: dict[str, dict], results: dict[str, dict], run_dir: Path,
              network: bool = True) -> dict[str, Any]:
    """The official keys and counts, then Gauntlet's: why each errored instance errored, which
    errors are the harness's (``infra_error_ids``: exit 3), and the resources each instance used.

    Counting as ``make_run_report``: an instance without a report.json (a patch that does not apply,
    tests past the timeout) is an error; a predictions file's empty patch is an empty patch (``--empty``
    runs them on the unpatched tree: those results are in ``empty_patch_results``), unless the
    harness failed on it, which is an error.  ``network``: whether the eval scripts had network; a run
    without it by choice does not call its network failures environment failures."""
    from swebench.harness.infra_failure import TIER_ENVIRONMENT

    from harness.benchmarks.swebench.instance import EVAL_ERRORS, INFRA_ERROR

    completed, resolved, unresolved, errors, empty, incomplete = set(), set(), set(), set(), set(), set()
    infra, ambiguous, reasons, error_reasons, infra_errors = set(), set(), {}, {}, set()
    empty_results, resources = {}, {}
    for inst in instances:
        iid = inst["instance_id"]
        pred = predictions.get(iid)
        if pred is None:
            incomplete.add(iid)
            continue
        rec = results.get(iid)
        if rec is not None:
            resources[iid] = {k: rec.get(k) for k in ("total_seconds", "eval_seconds", "cpu_seconds", "peak_memory_mb")}
        if rec is not None and rec.get("status") == INFRA_ERROR or rec is None and pred.get("model_patch"):
            errors.add(iid)
            infra_errors.add(iid)
            error_reasons[iid] = (rec or {}).get("error") or "not evaluated"
        elif not pred.get("model_patch"):
            empty.add(iid)
            if rec is not None:
                empty_results[iid] = rec["status"]
        elif rec.get("status") in EVAL_ERRORS or rec.get("report") is None:
            errors.add(iid)
            error_reasons[iid] = rec.get("reason") or rec.get("status")
        else:
            completed.add(iid)
            (resolved if rec["resolved"] else unresolved).add(iid)
    for iid in unresolved | errors:
        model = predictions[iid].get("model_name_or_path", "unknown").replace("/", "__")
        d = run_dir / model / iid
        found = classify(d / "test_output.txt", d / "run_instance.log", network=network)
        if found:
            reason, tier = found
            reasons[iid] = reason
            (infra if tier == TIER_ENVIRONMENT else ambiguous).add(iid)
    known = list(resources.values())
    return {
        "total_instances": len(instances),
        "submitted_instances": len(predictions),
        "completed_instances": len(completed),
        "resolved_instances": len(resolved),
        "unresolved_instances": len(unresolved),
        "infra_failure_instances": len(infra),
        "ambiguous_failure_instances": len(ambiguous),
        "empty_patch_instances": len(empty),
        "error_instances": len(errors),
        "completed_ids": sorted(completed),
        "incomplete_ids": sorted(incomplete),
        "empty_patch_ids": sorted(empty),
        "submitted_ids": sorted(predictions),
        "resolved_ids": sorted(resolved),
        "unresolved_ids": sorted(unresolved),
        "infra_failure_ids": sorted(infra),
        "ambiguous_failure_ids": sorted(ambiguous),
        "failure_reasons": dict(sorted(reasons.items())),
        "error_ids": sorted(errors),
        "schema_version": 2,
        # Gauntlet's additions (the official keys above are unchanged).
        "error_reasons": dict(sorted(error_reasons.items())),
        "infra_error_ids": sorted(infra_errors),
        "empty_patch_results": dict(sorted(empty_results.items())),
        "network": network,
        "resources": {
            "total_seconds": round(sum(r["total_seconds"] or 0 for r in known), 3),
            "cpu_seconds": round(sum(r["cpu_seconds"] or 0 for r in known), 3),
            "peak_memory_mb": max((r["peak_memory_mb"] or 0 for r in known), default=0),
            "instances": dict(sorted(resources.items())),
        },
    }


def classify(*logs: Path, network: bool = True) -> tuple[str, str] | None:
    """swebench's ``classify_logs``; without network by choice, its network signature is expected
    (an eval script's ``pip install`` cannot reach an index) and the next matching one is taken."""
    import re

    from swebench.harness.infra_failure import INFRA_FAILURE_SIGNATURES, classify_logs

    if network:
        return classify_logs(*logs)
    text = "\n".join(p.read_text(errors="replace") for p in logs if p.exists())
    for reason, tier, pattern in INFRA_FAILURE_SIGNATURES:
        if reason != "network_unreachable" and re.search(pattern, text, re.MULTILINE):
            return reason, tier
    return None


def write_summary(summary: dict[str, Any], path: Path) -> None:
    from harness.results import atomic_write_text

    atomic_write_text(path, json.dumps(summary, indent=4))  # a kill mid-write keeps the old file
