"""Verdicts of lcb_runner's grader vs Gauntlet's on tests/data's LiveCodeBench sample problems.

lcb_runner is not on PyPI and is not vendored: run with a LiveCodeBench checkout on PYTHONPATH,

    PYTHONPATH=/path/to/LiveCodeBench python bench/lcb_verdict_equality.py

Writes bench/results/lcb_verdict_equality.json and prints a table.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from lcb_reference import compare_verdicts, lcb_runner_available  # noqa: E402

from harness.benchmarks.executor import Executor  # noqa: E402


def main() -> int:
    if not lcb_runner_available():
        print("lcb_runner is not importable: put a LiveCodeBench checkout on PYTHONPATH")
        return 2
    with Executor(2) as ex:
        rows = compare_verdicts(ex)
    agree = sum(r["agree"] for r in rows)
    for r in rows:
        print(f"{r['question_id']:12} #{r['code_index']}  lcb_runner={str(r['lcb_runner']):28} "
              f"gauntlet={str(r['gauntlet']):28} {r['gauntlet_verdict']:14} {'ok' if r['agree'] else 'DIFFERENT'}")
    print(f"{agree}/{len(rows)} verdicts equal")
    out = ROOT / "bench" / "results" / "lcb_verdict_equality.json"
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "equal": agree, "total": len(rows), "rows": rows}, indent=1) + "\n")
    return 0 if agree == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
