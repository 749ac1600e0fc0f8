"""ms-swift: an outcome reward model (ORM) named ``gauntlet``, for ``swift rlhf --rlhf_type grpo``.

    --external_plugins $(python -m harness.rewards.swift) --reward_funcs gauntlet

swift imports the plugin file by path (``swift_plugin/gauntlet_orm.py``, alone in its folder since
swift puts the file's folder first on ``sys.path``), which registers ``GauntletORM`` in
``swift.rewards.orms``.  swift then calls ``orm(completions, **columns)``: the completion is the
last message's content, and every dataset column comes as a keyword list; the task is the
``gauntlet_task`` column (JSON text is always safe).  A dataset without that column is a usage
error, raised at the first step.

No reward (an infrastructure failure; a row without a task, in a dataset that mixes others): None,
which swift turns into NaN and leaves out of its ``nansum`` over reward functions, warning when
a row has no reward from any function.  Each infrastructure failure is also logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.rewards.engine import default_engine

log = logging.getLogger("harness.rewards.swift")

TASK_KEY = "gauntlet_task"
PLUGIN = Path(__file__).with_name("swift_plugin") / "gauntlet_orm.py"


def score(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """Rewards for swift's ORM call; None where there is no reward."""
    if TASK_KEY not in kwargs:
        raise UsageError(f"the dataset has no {TASK_KEY!r} column: Gauntlet's ORM reads the task from it "
                         f"(columns given: {sorted(k for k in kwargs if k != 'trainer_state')})")
    texts = [c if isinstance(c, str) else "" if c is None else str(c) for c in completions]
    rewards = default_engine().score(texts, list(kwargs[TASK_KEY]))
    for r in rewards:
        if r is not None and r.value is None:
            log.warning("no reward (sent as None): %s", r.breakdown.get("infra_error") or r.row)
    return [None if r is None else r.value for r in rewards]


if __name__ == "__main__":  # ``python -m harness.rewards.swift``: the file to give --external_plugins
    print(PLUGIN)
