"""Run LiveCodeBench's own grader (lcb_runner, when importable) and ours on the same problems and
codes, for the verdict-equality test and bench/lcb_verdict_equality.py.  lcb_runner is not on PyPI:
put a checkout of LiveCodeBench on PYTHONPATH to enable the comparison."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
PROBLEMS, SAMPLES = DATA / "lcb_problems.jsonl", DATA / "lcb_samples.json"


def lcb_runner_available() -> bool:
    try:
        import lcb_runner.evaluation.compute_code_generation_metrics  # noqa: F401
    except Exception:  # noqa: BLE001 - missing, or present without its dependencies
        return False
    return True


def _lcb_sample(problem) -> dict:
    tests = problem.tests
    return {"input_output": json.dumps({"inputs": [t.input for t in tests], "outputs": [t.output for t in tests],
                                        "fn_name": problem.metadata.get("func_name")})}


def compare_verdicts(executor, timeout: int = 2) -> list[dict]:
    """One row per (problem, code): lcb_runner's results list and ours, and whether they agree."""
    from lcb_runner.evaluation.compute_code_generation_metrics import check_correctness

    from harness.benchmarks import livecodebench as lcbm

    problems = {p.question_id: p for p in lcbm.load_problems(str(PROBLEMS))}
    rows = []
    for qid, codes in lcbm.read_samples(SAMPLES).items():
        p = problems[qid]
        ours = lcbm.grade_problem(executor, p, codes, timeout=timeout)
        for i, code in enumerate(codes):
            theirs, meta = check_correctness(_lcb_sample(p), code, timeout=timeout, debug=False)
            theirs = [bool(x) if x is True or x is False else int(x) for x in theirs]
            their_pass = all(x is True or (not isinstance(x, bool) and x > 0) for x in theirs)
            mine = ours["codes"][i]
            their_code = None if their_pass else meta.get("error_code")
            our_code = None if mine["passed"] else mine.get("error_code")
            rows.append({"question_id": qid, "code_index": i, "lcb_runner": theirs, "lcb_error": meta.get("error_message"),
                         "gauntlet": mine["results"], "gauntlet_verdict": mine["verdict"],
                         "agree": their_pass == mine["passed"] and their_code == our_code and theirs == mine["results"]})
    return rows
