"""verl's agent-loop tools over Gauntlet episodes (verl 0.9 ``verl.tools.base_tool.BaseTool``), and
the reward function that grades each rollout's episode.

One ``GauntletTool`` per Gauntlet tool, declared in verl's tool config (``actor_rollout_ref.rollout.
multi_turn.tool_config_path``)::

    tools:
      - class_name: harness.env.adapters.verl_tools.GauntletTool
        config: {type: native, tool: read_file, env_url: "http://127.0.0.1:8100"}
      - ...one entry per tool: list_files, search, edit, apply_patch, build, run_tests, lint, git_diff, submit

and each row's ``extra_info.tools_kwargs`` gives every tool ``{"create_kwargs": {"gauntlet_task": TASK}}``.
verl's ``ToolAgentLoop`` creates, executes and releases a tool instance per call; the episode (on
``gauntlet serve-env``) lives across the calls of one rollout: its id is kept in the rollout's
``agent_data.extra_fields`` (parallel first calls of a turn share one opening, keyed by the rollout's
``request_id`` while it is under way).  The tool reward is 0 until ``submit`` (or a budget) ends the episode, then
its graded reward (verl collects them in ``tool_rewards``).

verl gives a tool no call at the end of a rollout, but it hands the rollout's
``agent_data.extra_fields`` to the reward manager inside ``extra_info``.  The tools put the episode
there (``gauntlet_episode``, and its grade once submitted), so the reward function of this module,
``reward.custom_reward_function.path=pkg://harness.env.adapters.verl_tools`` with
``name=compute_score``, returns the grade of a submitted episode and, for a rollout that ended
without ``submit`` (response length, turn limit), submits for it: the changes so far are graded and
the episode is closed, instead of waiting for the server's idle timeout.  A rollout that called no
tool is graded as an untouched tree, and rows that are not agent episodes go to
``harness.rewards.verl.compute_score`` (single-turn Gauntlet tasks, other data sources).  Only the
reward managers that merge the rollout's fields into ``extra_info`` can find the episode (``naive``,
``limited``, ``remote``); under ``dapo`` or ``gdpo`` an agent row is refused with a ValueError.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse

from harness import settings
from harness.env.client import EnvClient
from harness.env.tools import TOOLS
from harness.errors import InfraError
from harness.rewards import infra
from harness.rewards import verl as verl_rewards

_OPENING: dict[str, asyncio.Future] = {}  # rollout request id -> its episode being opened, while it is


class GauntletTool(BaseTool):
    def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema | None = None):
        name = config.get("tool")
        if name not in TOOLS:
            raise ValueError(f"config.tool must be one of {', '.join(TOOLS)}, not {name!r}")
        self.client = EnvClient(config.get("env_url") or settings.env_url())
        self._kwargs: dict[str, dict] = {}
        super().__init__(config, tool_schema or OpenAIFunctionToolSchema.model_validate(TOOLS[name].schema()))

    async def create(self, instance_id: str | None = None, **kwargs) -> tuple[str, ToolResponse]:
        instance_id = instance_id or str(uuid4())
        self._kwargs[instance_id] = kwargs.get("create_kwargs") or {}
        return instance_id, ToolResponse()

    async def _episode(self, task: Any, agent_data: Any, fields: dict[str, Any]) -> str:
        """The rollout's episode, opened by its first call; calls of one turn run in parallel, so those
        that come while it opens wait for the same one."""
        if "gauntlet_episode" in fields:
            return fields["gauntlet_episode"]
        key = getattr(agent_data, "request_id", None)
        if key in _OPENING:
            episode, _ = await _OPENING[key]
            return episode
        opening = asyncio.ensure_future(asyncio.to_thread(self.client.create, task))
        if key is not None:
            _OPENING[key] = opening
        try:
            episode, _ = await opening
        finally:
            _OPENING.pop(key, None)
        fields.update(gauntlet_episode=episode, gauntlet_env_url=self.client.url)
        return episode

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs) -> tuple[ToolResponse, float, dict]:
        agent_data = kwargs.get("agent_data")
        fields = getattr(agent_data, "extra_fields", None)
        fields = fields if isinstance(fields, dict) else {}  # no rollout: an episode for this call alone
        if fields.get("gauntlet_grade") is not None:
            return ToolResponse(text="the episode is over (submitted): no more tool calls"), 0.0, {}
        task = self._kwargs.get(instance_id, {}).get("gauntlet_task")
        if task is None and "gauntlet_episode" not in fields:
            return ToolResponse(text="no Gauntlet task: set tools_kwargs.<tool>.create_kwargs.gauntlet_task"), 0.0, {}
        try:
            episode = await self._episode(task, agent_data, fields)
            obs = await asyncio.to_thread(self.client.step, episode, {"name": self.name, "arguments": parameters})
        except InfraError as e:
            return ToolResponse(text=f"the environment failed: {e}"), 0.0, {"gauntlet_infra": 1.0}
        metrics = {"gauntlet_malformed": float(obs["data"].get("kind") == "malformed")}
        reward = 0.0
        if obs["done"]:
            graded = _graded(obs)
            fields["gauntlet_grade"] = graded
            reward = graded["score"]
            metrics["gauntlet_infra"] = graded["gauntlet_infra_error"]
            try:
                record = await asyncio.to_thread(self.client.close, episode)
                metrics["gauntlet_resolved"] = float(record["resolved"])
            except InfraError:
                metrics["gauntlet_infra"] = 1.0
        return ToolResponse(text=obs["text"]), reward, metrics

    async def release(self, instance_id: str, **kwargs) -> None:
        self._kwargs.pop(instance_id, None)


def _graded(obs: dict[str, Any]) -> dict[str, Any]:
    """An episode's final observation as verl's score keys; no grade (the harness failed) is the
    sentinel with ``gauntlet_infra_error`` set, and a loud log line."""
    reward = obs["data"].get("result", {}).get("reward") or {}
    value = reward.get("value")
    if value is None:
        infra.note(reward.get("breakdown") or obs["text"], "verl agent episode")
        return dict(score=infra.INFRA_SENTINEL, acc=infra.INFRA_SENTINEL, gauntlet_row=reward.get("row", ""),
                    gauntlet_infra_error=1.0)
    return dict(score=float(value), acc=float(value), gauntlet_row=reward.get("row", ""), gauntlet_infra_error=0.0)


def _episode_task(extra_info: dict[str, Any]) -> Any:
    """The row's Gauntlet task from its ``tools_kwargs`` (what the tools would have opened)."""
    for tool_kwargs in (extra_info.get("tools_kwargs") or {}).values():
        task = ((tool_kwargs or {}).get("create_kwargs") or {}).get("gauntlet_task")
        if task is not None:
            return task
    return None


def compute_score(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None, extra_info: Any = None,
                  *, env_url: str | None = None, **kwargs: Any) -> verl_rewards.VerlScore:
    """The rollout's episode grade, with the same keys as ``harness.rewards.verl.compute_score``
    (verl stacks them across a batch that may mix both).  ``env_url`` may come from
    ``reward_kwargs``; otherwise the tools' URL, then ``GAUNTLET_ENV_URL``."""
    info = extra_info if isinstance(extra_info, dict) else {}
    if info.get("gauntlet_grade") is not None:  # submitted (or a budget ended it) during the rollout
        return verl_rewards.VerlScore(info["gauntlet_grade"])
    episode, task = info.get("gauntlet_episode"), _episode_task(info)
    if episode is None and task is None:
        return verl_rewards.compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
    if episode is None and "tool_rewards" not in info:
        # The agent loop always sets tool_rewards; without it the manager did not pass the rollout's
        # fields, and grading a fresh episode would score every rollout as an empty submission.
        raise ValueError("gauntlet: the reward manager did not pass the rollout's tool fields (extra_info has no "
                         "tool_rewards), so the agent episode cannot be found; use reward_manager naive, limited or "
                         "remote, which merge them (dapo and gdpo do not)")
    client = EnvClient(env_url or info.get("gauntlet_env_url") or settings.env_url())
    try:
        if episode is None:  # the model called no tool: grade the untouched tree, as an empty submission
            episode, _ = client.create(task)
        try:
            obs = client.submit(episode)
        finally:
            client.close(episode)
    except InfraError as e:
        infra.note(e, f"verl agent episode ({data_source})")
        return verl_rewards.VerlScore(score=infra.INFRA_SENTINEL, acc=infra.INFRA_SENTINEL,
                                      gauntlet_row="infrastructure error", gauntlet_infra_error=1.0)
    return verl_rewards.VerlScore(_graded(obs))


async def compute_score_async(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None,
                              extra_info: Any = None, **kwargs: Any) -> verl_rewards.VerlScore:
    """The same for the reward loop's managers that await a coroutine function."""
    return await asyncio.to_thread(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)
