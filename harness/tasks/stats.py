"""Data quality of generated tasks: the roadmap's gates, computed from a tasks.jsonl file."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.results import read_records
from harness.tasks.generate import normalised_diff

# The roadmap's Phase 1 gates ("Data Quality Gates"); overridable on the command line.
MIN_CAUGHT = 3000
MAX_DUPLICATES = 0


@dataclass
class Gate:
    name: str
    value: float
    threshold: float
    passed: bool


class TasksFileError(UsageError, ValueError):
    """A tasks file that is not JSON Lines of task objects; the message names the file and line."""


def load_tasks(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as e:
        raise TasksFileError(f"{path}: not UTF-8 text ({e})") from e
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise TasksFileError(f"{path}:{n}: not valid JSON ({e})") from e
            if not isinstance(row, dict):
                raise TasksFileError(f"{path}:{n}: a task must be a JSON object, not {type(row).__name__}")
            rows.append(row)
    return rows


def diff_size(patch: str) -> int:
    return sum(1 for ln in patch.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---")))


def compute(path: Path) -> dict[str, Any]:
    tasks = load_tasks(path)
    norms = Counter(normalised_diff(t["patch"]) for t in tasks)
    run_dir = path.parent / f"{path.name}.run"
    verdicts = Counter(r["verdict"] for r in read_records(run_dir)) if run_dir.exists() else Counter()
    return {
        "tasks": len(tasks),
        "candidates_validated": sum(verdicts.values()),
        "verdicts": dict(verdicts),
        "compiled": sum(v for k, v in verdicts.items() if k in ("caught", "survived")),
        "caught": len(tasks),
        "share_two_or_more_failing": round(sum(len(t["FAIL_TO_PASS"]) >= 2 for t in tasks) / len(tasks), 4) if tasks else 0.0,
        "duplicates": sum(c - 1 for c in norms.values()),
        "per_operator": dict(Counter(t.get("mutation", {}).get("operator", "?") for t in tasks).most_common()),
        "per_file": dict(Counter(t.get("mutation", {}).get("file", "?") for t in tasks).most_common()),
        "per_language": dict(Counter(t.get("language", "?") for t in tasks)),
        "median_diff_lines": statistics.median(diff_size(t["patch"]) for t in tasks) if tasks else 0,
    }


def gates(stats: dict[str, Any], min_caught: int = MIN_CAUGHT, max_duplicates: int = MAX_DUPLICATES,
          min_multi_fail: float = 0.0) -> list[Gate]:
    return [
        Gate("caught mutations", stats["caught"], min_caught, stats["caught"] >= min_caught),
        Gate("duplicate (buggy, fixed) pairs", stats["duplicates"], max_duplicates, stats["duplicates"] <= max_duplicates),
        Gate("share with >= 2 failing tests", stats["share_two_or_more_failing"], min_multi_fail,
             stats["share_two_or_more_failing"] >= min_multi_fail),
    ]
