"""slime: ``--custom-rm-path harness.rewards.slime.rm``, one function for both of slime's modes.

slime imports the dotted path and awaits ``rm(args, sample)`` for one sample, or ``rm(args,
samples)`` with a list: with ``--group-rm`` (the whole group at once) and when a custom generate
function fans one prompt out into several samples.  ``sample.response`` is the response alone, so
nothing is stripped.  The task is the sample's label (``--label-key gauntlet_task``, a JSON text
column) or ``sample.metadata["gauntlet_task"]`` (``--metadata-key``).

No reward (an infrastructure failure, a sample without a task): slime needs a number for its group
normalisation, so the sample gets ``INFRA_REWARD`` (0.0) and ``remove_sample = True``, which slime
honours by masking the sample out of the loss; ``metadata["gauntlet_infra"]`` says why and a
warning is logged.  The reward-table row of every sample goes to ``metadata["gauntlet_row"]``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from harness.rewards.engine import default_engine, load_task

log = logging.getLogger("harness.rewards.slime")

INFRA_REWARD = 0.0
TASK_KEY = "gauntlet_task"


def _task(sample: Any) -> Any:
    metadata = sample.metadata if isinstance(getattr(sample, "metadata", None), dict) else {}
    return metadata.get(TASK_KEY) if metadata.get(TASK_KEY) is not None else sample.label


async def rm(args: Any, sample: Any, **kwargs: Any) -> float | list[float]:
    """A reward for ``sample``, or a list of rewards for a list of samples (group mode)."""
    samples = sample if isinstance(sample, list) else [sample]
    tasks = [_task(s) for s in samples]
    rewards = await asyncio.to_thread(default_engine().score, [s.response or "" for s in samples], tasks)
    out = []
    for s, task, r in zip(samples, tasks, rewards, strict=True):
        if not isinstance(s.metadata, dict):
            s.metadata = {}
        if r is None or r.value is None:
            why = (r.breakdown.get("infra_error") or r.row) if r is not None else (
                f"no Gauntlet task in the sample (--label-key {TASK_KEY}); label {str(task)[:80]!r}"
                if load_task(task) is None else "no reward")
            log.warning("no reward (sent as %s, sample removed from the loss): %s", INFRA_REWARD, why)
            s.remove_sample = True
            s.metadata["gauntlet_infra"] = why
            s.metadata["gauntlet_row"] = "no reward"
            out.append(INFRA_REWARD)
        else:
            s.metadata["gauntlet_row"] = r.row
            out.append(r.value)
    return out if isinstance(sample, list) else out[0]
