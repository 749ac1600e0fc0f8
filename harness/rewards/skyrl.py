"""SkyRL environment: ``skyrl_gym`` id ``gauntlet`` (``register_env()``, then
``environment.env_class=gauntlet`` in a SkyRL run).

A single-turn ``BaseTextEnv``: the model's answer is the action, ``step`` scores it and ends the
episode.  The task comes from the dataset row's ``reward_spec.ground_truth`` (JSON text is always
safe; a dict works) or an ``extras["gauntlet_task"]``.  SkyRL needs a float reward, so an
infrastructure failure scores ``INFRA_SENTINEL`` with ``gauntlet_infra_error`` = 1.0 in the step's
metadata and in ``get_metrics`` (SkyRL averages those over the batch), beside a loud log line.
"""

from __future__ import annotations

from typing import Any

from skyrl_gym.envs.base_text_env import BaseTextEnv, BaseTextEnvStepOutput

from harness.rewards import infra
from harness.rewards.engine import default_engine, load_task

ENV_ID = "gauntlet"


class GauntletEnv(BaseTextEnv):
    """One Gauntlet task, one answer, one reward."""

    def __init__(self, env_config: Any = None, extras: dict[str, Any] | None = None):
        super().__init__()
        extras = extras or {}
        task = extras.get("gauntlet_task")
        if task is None:
            task = (extras.get("reward_spec") or {}).get("ground_truth")
        if load_task(task) is None:
            raise ValueError("a gauntlet env needs the Gauntlet task in reward_spec.ground_truth (JSON text) "
                             "or extras['gauntlet_task']")
        self.task = task
        self._metrics: dict[str, float] = {}

    def step(self, action: str) -> BaseTextEnvStepOutput:
        self.turns += 1
        [r] = default_engine().score([action], [self.task])
        failed = r.value is None
        if failed:
            infra.note(r.breakdown.get("infra_error", r.row), "SkyRL env")
        reward = infra.INFRA_SENTINEL if failed else float(r.value)
        self._metrics = {"gauntlet_infra_error": 1.0 if failed else 0.0}
        return BaseTextEnvStepOutput(observations=[], reward=reward, done=True,
                                     metadata={"gauntlet_row": r.row, **self._metrics})

    def get_metrics(self) -> dict[str, Any]:
        return dict(self._metrics)


def register_env(env_id: str = ENV_ID) -> str:
    """Register ``GauntletEnv`` with skyrl_gym under ``env_id`` (once); returns the id."""
    import skyrl_gym

    if env_id not in skyrl_gym.registry:
        skyrl_gym.register(id=env_id, entry_point="harness.rewards.skyrl:GauntletEnv")
    return env_id
