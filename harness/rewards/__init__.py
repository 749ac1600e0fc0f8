"""Outcome -> reward.  ``reward_for`` asks the plugins first, then the built-in default table."""

from __future__ import annotations

from typing import Any

from harness.outcome import Outcome
from harness.rewards.table import Reward, composite_reward, default_reward


def reward_for(outcome: Outcome, context: dict[str, Any] | None = None, pm=None) -> Reward:
    """The reward of ``outcome``: a plugin's ``gauntlet_reward`` if one answers, else the default table."""
    if pm is None:
        from harness.plugins import get_plugin_manager

        pm = get_plugin_manager()
    answer = pm.hook.gauntlet_reward(outcome=outcome, context=context or {})
    if isinstance(answer, Reward):
        return answer
    if answer is None:
        return default_reward(outcome)
    return Reward(float(answer), "plugin", {"plugin_value": float(answer)})


__all__ = ["Reward", "composite_reward", "default_reward", "reward_for"]
