"""TRL adapter: ``GRPOTrainer(reward_funcs=[gauntlet_reward_func])``.

TRL calls a reward function with ``prompts``, ``completions`` and every other dataset column as a
keyword argument (one list entry per row).  The task comes from the ``gauntlet_task`` column; rows
without one get None, which TRL ignores for that function.  Breakdown terms go to ``log_metric``
when the trainer passes one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Callable

from harness.rewards.engine import default_engine


def _text(completion: Any) -> str:
    """Standard completions are strings; conversational ones are lists of messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(m.get("content", "") for m in completion if isinstance(m, dict))
    return str(completion)


def gauntlet_reward_func(
    prompts: list | None = None,
    completions: list | None = None,
    gauntlet_task: list | None = None,
    log_metric: Callable[[str, float], None] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    completions = completions or []
    tasks = gauntlet_task if gauntlet_task is not None else [None] * len(completions)
    rewards = default_engine().score([_text(c) for c in completions], list(tasks))
    if log_metric is not None:
        scored = [r for r in rewards if r is not None]
        rows = Counter(r.row for r in scored)
        for row, n in rows.items():
            log_metric(f"gauntlet/{row}", n / max(1, len(scored)))
        log_metric("gauntlet/cached", sum(bool(r.breakdown.get("cached")) for r in scored) / max(1, len(scored)))
    return [None if r is None else r.value for r in rewards]


async def gauntlet_reward_func_async(**kwargs: Any) -> list[float | None]:
    """The same, for trainers that await their reward functions."""
    return await asyncio.to_thread(gauntlet_reward_func, **kwargs)
