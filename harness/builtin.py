"""Gauntlet's built-in behaviour, itself a plugin (registered last, so any plugin can override it)."""

from harness.hookspecs import hookimpl
from harness.rewards.table import default_reward


@hookimpl(trylast=True)
def gauntlet_reward(outcome, context):
    return default_reward(outcome)
