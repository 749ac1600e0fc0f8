"""SkyRL-Gym's text environment over a Gauntlet episode (skyrl-gym 0.4 ``BaseTextEnv``).

    import harness.env.adapters.skyrl  # registers the id "gauntlet-agent"
    env = skyrl_gym.make("gauntlet-agent", env_config={"max_steps": 30}, extras={"gauntlet_task": TASK})

SkyRL's generator calls ``init(prompt)`` (the first observation, problem and repository layout, is
appended to the last message), then ``step(action_text)`` per turn: the model's tool call goes to
the episode and its observation comes back as a user message; the reward is 0 until submit or a
budget ends the episode, then its graded reward.  ``get_metrics`` gives the episode's metrics
(format accuracy, test runs, diff lines, resolved); ``close`` ends the sandbox and writes the
trajectory when ``env_config.trajectory`` names a file.
"""

from __future__ import annotations

from typing import Any

import skyrl_gym
from skyrl_gym.envs.base_text_env import BaseTextEnv, BaseTextEnvStepOutput

from harness.env.episode import Episode, EpisodeOptions

CONFIG_KEYS = ("max_steps", "max_seconds", "max_output_chars", "allow_test_edits", "roles", "backend", "trajectory")


class GauntletTextEnv(BaseTextEnv):
    def __init__(self, env_config: Any = None, extras: dict[str, Any] | None = None):
        super().__init__()
        config = dict(env_config or {})
        extras = extras or {}
        task = extras.get("gauntlet_task") or (extras.get("reward_spec") or {}).get("gauntlet_task")
        if task is None:
            raise ValueError("extras need 'gauntlet_task' (a repository task or a SWE-format instance)")
        options = EpisodeOptions(**{k: (tuple(v) if k == "roles" else v) for k, v in config.items() if k in CONFIG_KEYS})
        self.max_turns = options.max_steps
        self.episode = Episode(task, options)

    def init(self, prompt):
        first = self.episode.reset().text
        messages = [dict(m) for m in prompt]
        if messages:
            messages[-1]["content"] = f"{messages[-1]['content']}\n\n{first}"
        else:
            messages = [{"role": "user", "content": first}]
        return messages, {"task_id": self.episode.info.task_id}

    def step(self, action: str) -> BaseTextEnvStepOutput:
        self.turns += 1
        obs = self.episode.step(action)
        return BaseTextEnvStepOutput(
            observations=[] if obs.done else [{"role": "user", "content": obs.text}],
            reward=float(obs.reward or 0.0) if obs.done else 0.0, done=obs.done,
            metadata={"ok": obs.ok, "error": obs.error, "infra": obs.done and obs.reward is None}, postprocessed_action=None)

    def get_metrics(self) -> dict[str, Any]:
        m = self.episode.metrics.to_dict()
        m["resolved"] = float(bool(self.episode.result and self.episode.result["resolved"]))
        return m

    def close(self) -> None:
        self.episode.close()


if "gauntlet-agent" not in skyrl_gym.envs.registration.registry:
    skyrl_gym.register(id="gauntlet-agent", entry_point="harness.env.adapters.skyrl:GauntletTextEnv")
