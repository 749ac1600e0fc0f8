"""The run summary, in the schema of the official ``make_run_report`` (schema_version 2).

Written by us rather than by calling ``make_run_report``, which reads logs from a path relative to
the working directory; the keys and counting rules are the official ones, and likely
infrastructure failures are classified with swebench's own ``classify_logs``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def summarize(instances: list[dict], predictions: dict[str, dict], results: dict[str, dict], run_dir: Path) -> dict[str, Any]:
    from swebench.harness.infra_failure import TIER_ENVIRONMENT, classify_logs

    completed, resolved, unresolved, errors, empty, incomplete = set(), set(), set(), set(), set(), set()
    infra, ambiguous, reasons = set(), set(), {}
    for inst in instances:
        iid = inst["instance_id"]
        pred = predictions.get(iid)
        if pred is None:
            incomplete.add(iid)
            continue
        if not pred.get("model_patch"):
            empty.add(iid)
            continue
        rec = results.get(iid)
        if rec is None or rec.get("status") == "error" or rec.get("report") is None:
            errors.add(iid)
        else:
            completed.add(iid)
            (resolved if rec["resolved"] else unresolved).add(iid)
    for iid in unresolved | errors:
        model = predictions[iid].get("model_name_or_path", "unknown").replace("/", "__")
        d = run_dir / model / iid
        found = classify_logs(d / "test_output.txt", d / "run_instance.log")
        if found:
            reason, tier = found
            reasons[iid] = reason
            (infra if tier == TIER_ENVIRONMENT else ambiguous).add(iid)
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
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    from harness.results import atomic_write_text

    atomic_write_text(path, json.dumps(summary, indent=4))  # a kill mid-write keeps the old file
