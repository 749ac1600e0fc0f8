"""Trajectories: one JSON line per episode, with every call, observation and the grade.

The record keeps what a trainer needs (the SFT loader in ``trainers/data.py`` turns it into chat
messages: read -> patch -> test -> submit) and what the leaderboard shows per instance (resolved,
test runs to green, diff size).  Lines are appended with one ``write`` under a lock, so episodes
ending at the same time in one process never interleave.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from harness.env.episode import Episode

SCHEMA = "gauntlet.env.trajectory/1"
_LOCK = threading.Lock()


def record(ep: "Episode") -> dict[str, Any]:
    result = ep.result or {}
    return {
        "schema": SCHEMA,
        "episode_id": ep.id,
        "task_id": ep.info.task_id,
        "kind": ep.info.kind,
        "language": ep.language,
        "problem": ep.info.problem,
        "first_observation": ep.first.to_dict() if ep.first else None,
        "steps": ep.steps,
        "submitted": ep.done,
        "reward": result.get("reward"),
        "resolved": result.get("resolved", False),
        "roles": result.get("roles", {}),
        "diff": result.get("diff", ""),
        "refused": list(ep.violations),
        "metrics": ep.metrics.to_dict(),
    }


def write(path: str | Path, rec: dict[str, Any]) -> None:
    line = json.dumps(rec, default=str) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(line)


def read(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not JSON: {e}") from None
                if rec.get("schema") != SCHEMA:
                    raise ValueError(f"{path}:{n}: not a Gauntlet trajectory (schema {rec.get('schema')!r})")
                yield rec


def to_messages(rec: dict[str, Any], tools: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """An episode as chat messages for SFT: the task (first observation) from the user, each call as
    the assistant's JSON tool call, each observation as a ``tool`` message."""
    first = rec.get("first_observation") or {}
    names = ", ".join(t["function"]["name"] for t in (tools or first.get("data", {}).get("tools", [])))
    system = ("You fix bugs in a repository with tools. Answer with one JSON tool call per turn: "
              '{"name": TOOL, "arguments": {...}}' + (f". Tools: {names}." if names else "."))
    messages = [{"role": "system", "content": system}, {"role": "user", "content": first.get("text") or rec["problem"]}]
    for step in rec["steps"]:
        if step.get("tool") is None:  # a malformed call teaches nothing
            continue
        call = json.dumps({"name": step["tool"], "arguments": step.get("arguments") or {}})
        messages.append({"role": "assistant", "content": call})
        messages.append({"role": "tool", "content": step["observation"]["text"]})
    return messages


def leaderboard_rows(path: str | Path) -> list[dict[str, Any]]:
    """Per instance: resolved, reward, test runs (to green), diff size, calls, format accuracy, time."""
    rows = []
    for rec in read(path):
        m = rec["metrics"]
        rows.append({"task_id": rec["task_id"], "language": rec["language"], "resolved": rec["resolved"],
                     "reward": (rec.get("reward") or {}).get("value"), "test_runs": m["test_runs"],
                     "test_runs_to_green": m["test_runs_to_green"], "diff_lines": m["diff_lines"],
                     "calls": m["calls"], "format_accuracy": m["format_accuracy"], "seconds": round(m["seconds"], 2)})
    return rows


def write_run(path: str | Path, run_dir: str | Path, model: str | None = None) -> Path:
    """The trajectories as a run directory (``harness.results``) that ``gauntlet leaderboard build``
    reads: one record per instance with its score (resolved), test runs to green and diff size."""
    from harness.results import Manifest, RunWriter, fingerprint

    rows = leaderboard_rows(path)
    manifest = Manifest(benchmark="agent-env", model=model, dataset=Path(path).name,
                        dataset_fingerprint=fingerprint(sorted(r["task_id"] for r in rows)))
    writer = RunWriter(run_dir, manifest, resume=False)
    for r in rows:
        green = r["test_runs_to_green"]
        status = (f"{green} test run(s) to green" if green is not None else f"not green in {r['test_runs']} test run(s)")
        writer.write(r["task_id"], {**r, "score": 1.0 if r["resolved"] else 0.0,
                                    "status": f"{status}, {r['diff_lines']} diff lines"})
    return writer.dir

