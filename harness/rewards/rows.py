"""Rows of a prompt dataset that carry a Gauntlet task, read one way for the adapters that load such
rows themselves (verifiers 0.4's tasksets: the reward environment and the agent environment).

The task is the first of ``info.gauntlet_task`` (``info`` a dict or JSON text, as verifiers stores
it), ``gauntlet_task`` and ``answer``; what it must look like is the adapter's to check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def task_cell(row: dict[str, Any]) -> Any:
    info = row.get("info")
    if isinstance(info, str):
        info = json.loads(info) if info.strip() else {}
    return (info or {}).get("gauntlet_task") or row.get("gauntlet_task") or row.get("answer")


def jsonl_rows(path: Path) -> list[tuple[dict[str, Any], str]]:
    """Each row of a JSON-lines file with where it is (``file:line``, for errors); at least one."""
    path = Path(path).expanduser()
    rows = [(json.loads(line), f"{path}:{n}")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip()]
    if not rows:
        raise ValueError(f"no rows in {path}")
    return rows
