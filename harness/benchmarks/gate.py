"""Regression gate: compare a candidate run with a baseline run, benchmark by benchmark.

A RUN is a run directory (``manifest.json`` + ``results.jsonl``) or a folder of them (one per
benchmark).  Each benchmark's score is the mean over its records of ``pass@1`` (solution
benchmarks), else of ``resolved`` / ``passed`` (1 or 0).  Only benchmarks present in both runs are
compared, on the problems both ran (so a partial candidate is not penalised for what it skipped).
The training roadmap's rule ("HumanEval pass@1: at most 5% regression") is read as relative:
a candidate fails when ``(baseline - candidate) / baseline > max_regression``; ``absolute=True``
compares score points instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError
from harness.results import MANIFEST, read_manifest, read_records


class GateError(UsageError, ValueError):
    """A run directory that cannot be read: a usage error."""


@dataclass
class Comparison:
    benchmark: str
    baseline: float
    candidate: float
    problems: int
    regression: float  # relative (or absolute) drop; negative = improvement
    regressed: bool


def record_score(rec: dict) -> float | None:
    for key in ("pass@1", "score"):
        if isinstance(rec.get(key), (int, float)) and not isinstance(rec.get(key), bool):
            return float(rec[key])
    for key in ("resolved", "passed"):
        if key in rec:
            return 1.0 if rec[key] else 0.0
    return None


def load_run(run: str | Path) -> dict[str, dict[str, float]]:
    """``benchmark -> {task_id: score}`` for a run directory or a folder of run directories."""
    root = Path(run)
    if not root.is_dir():
        raise GateError(f"run directory not found: {root}")
    dirs = [root] if (root / MANIFEST).exists() else sorted(d for d in root.iterdir() if (d / MANIFEST).exists())
    if not dirs:
        raise GateError(f"{root} holds no run (no {MANIFEST})")
    out: dict[str, dict[str, float]] = {}
    for d in dirs:
        try:
            bench = read_manifest(d).get("benchmark") or d.name
        except (OSError, ValueError) as e:
            raise GateError(f"{d}: unreadable manifest ({e})") from e
        scores = out.setdefault(bench, {})
        for rec in read_records(d):
            s = record_score(rec)
            if s is not None:
                scores[rec["task_id"]] = s
    return out


def compare(baseline: str | Path, candidate: str | Path, max_regression: float = 0.05,
            absolute: bool = False) -> list[Comparison]:
    base, cand = load_run(baseline), load_run(candidate)
    rows = []
    for bench in sorted(set(base) & set(cand)):
        shared = sorted(set(base[bench]) & set(cand[bench]))
        if not shared:
            continue
        b = sum(base[bench][t] for t in shared) / len(shared)
        c = sum(cand[bench][t] for t in shared) / len(shared)
        drop = (b - c) if absolute else ((b - c) / b if b > 0 else 0.0 if c >= b else 1.0)
        rows.append(Comparison(bench, b, c, len(shared), drop, drop > max_regression + 1e-12))
    return rows
