"""OpenRLHF's multi-turn agent interface over Gauntlet episodes: pass this file to OpenRLHF,

    gauntlet serve-env --port 8100 &
    GAUNTLET_ENV_URL=http://127.0.0.1:8100 python -m openrlhf.cli.train_ppo_ray ... \\
        --train.agent_func_path $(python -c "import harness.env.adapters.openrlhf_agent as m; print(m.__file__)")

OpenRLHF (0.11) loads the file, takes its ``AgentExecutor`` (an ``AgentExecutorBase``: here its own
``MultiTurnAgentExecutor`` over ``AgentInstance``) and, per prompt, calls ``reset`` with the prompt
and the dataset's label, then ``step`` with each generated action.  The label is the Gauntlet task
(JSON).  ``reset`` opens an episode on the environment server and appends the first observation
(problem and repository layout) to the prompt; each action's tool call goes to the episode, and
the observation comes back as the environment feedback, framed by ``GAUNTLET_ENV_FEEDBACK``
(default ``"\\n<tool_response>\\n{text}\\n</tool_response>\\n"``).  The reward is 0 until submit (or
a budget) ends the episode, then the episode's graded reward; an infrastructure failure gives 0.0
with ``extra_logs["gauntlet_infra"] = 1``, since OpenRLHF sums rewards as numbers.  An episode
that OpenRLHF abandons (length budget) is reclaimed by the server's idle timeout.
"""

from __future__ import annotations

import asyncio

import torch
from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor

from harness import settings
from harness.env.client import EnvClient
from harness.errors import InfraError

FEEDBACK = settings.env_feedback()


class AgentInstance(AgentInstanceBase):
    def __init__(self, *args, **kwargs):
        self.client = EnvClient(settings.env_url())
        self.episode_id: str | None = None

    async def reset(self, states: dict, **kwargs) -> dict:
        self.episode_id, first = await asyncio.to_thread(self.client.create, states["label"])
        return {"observation": states["observation"] + FEEDBACK.format(text=first["text"])}

    async def step(self, states: dict, **kwargs) -> dict:
        logs = {"gauntlet_infra": 0.0, "gauntlet_format_error": 0.0}
        try:
            obs = await asyncio.to_thread(self.client.step, self.episode_id, states["action_text"])
        except InfraError as e:
            obs = {"text": f"the environment failed: {e}", "done": True, "reward": None, "data": {}}
            logs["gauntlet_infra"] = 1.0
        done = bool(obs["done"])
        reward = 0.0
        if obs["data"].get("kind") == "malformed":
            logs["gauntlet_format_error"] = 1.0
        if done:
            if obs.get("reward") is None:
                logs["gauntlet_infra"] = 1.0
            reward = float(obs.get("reward") or 0.0)
            try:
                record = await asyncio.to_thread(self.client.close, self.episode_id)
                logs.update({"gauntlet_resolved": float(record["resolved"]),
                             "gauntlet_test_runs": float(record["metrics"]["test_runs"]),
                             "gauntlet_format_accuracy": float(record["metrics"]["format_accuracy"])})
            except InfraError:
                logs["gauntlet_infra"] = 1.0
        return {
            "rewards": torch.tensor(reward),
            "scores": torch.tensor(reward),
            "environment_feedback": "" if done else FEEDBACK.format(text=obs["text"]),
            "done": done,
            "sampling_params": states.get("sampling_params"),
            "extra_logs": {k: torch.tensor(v) for k, v in logs.items()},
        }


class AgentExecutor(MultiTurnAgentExecutor):
    def __init__(self):
        super().__init__(AgentInstance)
