"""verl adapter: ``reward.custom_reward_function.path=pkg://harness.rewards.verl`` with
``name=compute_score`` (``compute_score_async`` for the reward loop's async path).

One function serves every reward manager of verl 0.7 to 0.9: the reward-loop ``naive`` / ``dapo``
managers and the legacy ``naive`` (keywords, one row), ``batch`` (``data_sources=`` ...: numpy
object arrays, the whole batch) and ``prime`` (positional, in a process pool, reads ``result[0]``).
Extra keywords (``reward_kwargs``, ``reward_router_address`` when a reward model is on) are
accepted.  ``ground_truth`` (or ``extra_info["gauntlet_task"]``) carries the Gauntlet task, as JSON
text or a dict; a row that is not a Gauntlet task goes to verl's own ``default_compute_score``, so
a mixed run (gsm8k plus Gauntlet) works.

Every row answers the same keys (verl stacks them across the batch): ``score``, ``acc``,
``gauntlet_row`` and ``gauntlet_infra_error``.  verl needs a float per row (NaN would spread
through the group's advantage), so an infrastructure failure scores ``INFRA_SENTINEL`` (0.0) with
``gauntlet_infra_error`` = 1.0, and is logged (``harness.rewards.infra``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from harness.rewards import infra
from harness.rewards.engine import default_engine, load_task


class VerlScore(dict):
    """The score dict that verl's managers read (``["score"]``, the other keys logged), whose
    ``[0]`` is the score too: the ``prime`` manager reads ``result[0]``."""

    def __getitem__(self, key):
        return dict.__getitem__(self, "score" if key == 0 else key)


def _task(ground_truth: Any, extra_info: Any) -> Any:
    if isinstance(extra_info, dict) and extra_info.get("gauntlet_task") is not None:
        return extra_info["gauntlet_task"]
    return ground_truth


def _ours(reward, data_source: str) -> VerlScore:
    if reward.value is None:
        infra.note(reward.breakdown.get("infra_error", reward.row), f"verl ({data_source})")
        value, failed = infra.INFRA_SENTINEL, 1.0
    else:
        value, failed = float(reward.value), 0.0
    return VerlScore(score=value, acc=value, gauntlet_row=reward.row, gauntlet_infra_error=failed)


def _theirs(data_source: str, solution_str: str, ground_truth: Any, extra_info: Any, kwargs: dict) -> VerlScore:
    """A row of another data source: verl's default scorer, in the same keys as ours."""
    from verl.utils.reward_score import default_compute_score

    result = default_compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
    value = float(result["score"] if isinstance(result, dict) else result)
    acc = result.get("acc", value) if isinstance(result, dict) else value
    return VerlScore(score=value, acc=float(acc), gauntlet_row="", gauntlet_infra_error=0.0)


def compute_score(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None, extra_info: Any = None,
                  *, data_sources: Any = None, solution_strs: Any = None, ground_truths: Any = None,
                  extra_infos: Any = None, **kwargs: Any) -> VerlScore | list[VerlScore]:
    """One row (naive, dapo, prime managers), or the whole batch when called with the plural
    keywords (the ``batch`` manager)."""
    if solution_strs is not None:
        return compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs)
    task = _task(ground_truth, extra_info)
    if load_task(task) is None:
        return _theirs(data_source, solution_str, ground_truth, extra_info, kwargs)
    [r] = default_engine().score([solution_str], [task])
    return _ours(r, data_source)


async def compute_score_async(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                              extra_info: Any = None, **kwargs: Any) -> VerlScore | list[VerlScore]:
    """The same for the reward loop's managers, which await a coroutine function."""
    return await asyncio.to_thread(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)


def compute_score_batch(data_sources: Any, solution_strs: Any, ground_truths: Any, extra_infos: Any = None,
                        **kwargs: Any) -> list[VerlScore]:
    """A batch: the Gauntlet rows are scored together (in parallel, identical answers once)."""
    n = len(solution_strs)
    extra_infos = [None] * n if extra_infos is None else list(extra_infos)
    data_sources, ground_truths = list(data_sources), list(ground_truths)
    tasks = [_task(g, e) for g, e in zip(ground_truths, extra_infos, strict=True)]
    ours = [i for i, t in enumerate(tasks) if load_task(t) is not None]
    rewards = default_engine().score([solution_strs[i] for i in ours], [tasks[i] for i in ours])
    out: list[VerlScore | None] = [None] * n
    for i, r in zip(ours, rewards, strict=True):
        out[i] = _ours(r, data_sources[i])
    for i in range(n):
        if out[i] is None:
            out[i] = _theirs(data_sources[i], solution_strs[i], ground_truths[i], extra_infos[i], kwargs)
    return out


if __name__ != "harness.rewards.verl":
    # Loaded from a file path (``path=/.../verl.py``): hand out the importable functions, so that
    # the prime manager's process pool can pickle them.
    from harness.rewards.verl import VerlScore, compute_score, compute_score_async, compute_score_batch  # noqa: F401, F811
