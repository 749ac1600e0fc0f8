"""Render the hostile-code table for SECURITY.md from what the tests verified.

    GAUNTLET_HOSTILE_REPORT=/tmp/hostile.json python -m pytest tests/test_hostile_sandbox.py tests/test_hostile_executor.py -q
    python tests/hostile/report.py /tmp/hostile.json

One row per case, one column per backend (the solution executor is one): the verdict the outcome
gave, the languages it was verified in, and "NOT contained" where the backend's protections say it
cannot contain the case.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def save(path: Path, rows: list[dict], backends: tuple[str, ...]) -> None:
    """Write ``rows``, the verdicts of ``backends``, to the report at ``path``; rows of other backends
    already there are kept (each test module writes the backends it runs)."""
    old = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps([r for r in old if r["backend"] not in backends] + rows, indent=1))


def render(rows: list[dict]) -> str:
    cells: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    cases, backends = [], []
    for row in rows:
        if row["case"] not in cases:
            cases.append(row["case"])
        if row["backend"] not in backends:
            backends.append(row["backend"])
        label = ("" if row["contained"] else "NOT contained: ") + row["verdict"]
        cells[(row["case"], row["backend"])][label].append(row["language"])
    order = ("local", "docker", "executor", "executor-docker")
    backends.sort(key=lambda b: order.index(b) if b in order else len(order))
    lines = ["| case | " + " | ".join(backends) + " |", "| --- |" + " --- |" * len(backends)]
    for case in cases:
        out = []
        for backend in backends:
            verdicts = cells.get((case, backend), {})
            every = {r["language"] for r in rows if r["backend"] == backend}
            out.append("; ".join(v if set(langs) == every else f"{v} ({', '.join(langs)})"
                                 for v, langs in verdicts.items()) or "not run")
        lines.append(f"| {case} | " + " | ".join(out) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(json.loads(open(sys.argv[1]).read())))
