"""verl adapter: ``custom_reward_function.path=harness/rewards/verl.py`` with ``name=compute_score``.

``ground_truth`` (or ``extra_info["gauntlet_task"]``) carries the Gauntlet task as a dict or JSON
text.  verl reads a float, or a dict whose ``score`` is the reward and whose other keys it logs.
"""

from __future__ import annotations

from typing import Any

from harness.rewards.engine import default_engine, load_task


def _task(ground_truth: Any, extra_info: dict | None) -> Any:
    if extra_info and extra_info.get("gauntlet_task") is not None:
        return extra_info["gauntlet_task"]
    return ground_truth


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None) -> dict:
    task = _task(ground_truth, extra_info)
    if load_task(task) is None:
        raise ValueError(f"{data_source}: ground_truth is not a Gauntlet task")
    [r] = default_engine().score([solution_str], [task])
    return {"score": 0.0 if r.value is None else r.value, "row": r.row, "infra_error": r.value is None}


def compute_score_batch(data_sources: list, solution_strs: list, ground_truths: list, extra_infos: list | None = None) -> list[dict]:
    extra_infos = extra_infos or [None] * len(solution_strs)
    tasks = [_task(g, e) for g, e in zip(ground_truths, extra_infos, strict=False)]
    out = []
    for src, r in zip(data_sources, default_engine().score(list(solution_strs), tasks), strict=False):
        if r is None:
            raise ValueError(f"{src}: ground_truth is not a Gauntlet task")
        out.append({"score": 0.0 if r.value is None else r.value, "row": r.row, "infra_error": r.value is None})
    return out
