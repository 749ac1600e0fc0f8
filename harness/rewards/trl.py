"""TRL adapter: ``GRPOTrainer(reward_funcs=[gauntlet_reward_func])`` (Unsloth and Axolotl pass it on to TRL).

TRL calls a reward function with ``prompts``, ``completions`` and every other dataset column as a
keyword argument (one list entry per row).  The task comes from the ``gauntlet_task`` column; rows
without one get None, which TRL (>= 1.6) ignores for that function.  A chat completion is graded on
the assistant's turns only, structured ``tool_calls`` included (``parse.completion_text``).  An
infrastructure failure is None too (no reward), logged loudly and counted in
``gauntlet/infra_error``.  Breakdown terms go to ``log_metric`` when the trainer passes one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Callable

from harness.rewards import infra
from harness.rewards.engine import default_engine
from harness.rewards.parse import completion_text


def gauntlet_reward_func(
    prompts: list | None = None,
    completions: list | None = None,
    gauntlet_task: list | None = None,
    log_metric: Callable[[str, float], None] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    completions = completions or []
    tasks = gauntlet_task if gauntlet_task is not None else [None] * len(completions)
    rewards = default_engine().score([completion_text(c) for c in completions], list(tasks))
    failed = [r for r in rewards if r is not None and r.value is None]
    for r in failed:
        infra.note(r.breakdown.get("infra_error", r.row), "TRL reward function")
    if log_metric is not None:
        scored = [r for r in rewards if r is not None]
        rows = Counter(r.row for r in scored)
        for row, n in rows.items():
            log_metric(f"gauntlet/{row}", n / max(1, len(scored)))
        log_metric("gauntlet/cached", sum(bool(r.breakdown.get("cached")) for r in scored) / max(1, len(scored)))
        log_metric("gauntlet/infra_error", float(len(failed)))
    return [None if r is None else r.value for r in rewards]


async def gauntlet_reward_func_async(**kwargs: Any) -> list[float | None]:
    """The same, for trainers that await their reward functions."""
    return await asyncio.to_thread(gauntlet_reward_func, **kwargs)
