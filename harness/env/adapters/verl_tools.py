"""verl's agent-loop tools over Gauntlet episodes (verl 0.9 ``verl.tools.base_tool.BaseTool``).

One ``GauntletTool`` per Gauntlet tool, declared in verl's tool config (``actor_rollout_ref.rollout.
multi_turn.tool_config_path``)::

    tools:
      - class_name: harness.env.adapters.verl_tools.GauntletTool
        config: {type: native, tool: read_file, env_url: "http://127.0.0.1:8100"}
      - ...one entry per tool: list_files, search, edit, apply_patch, build, run_tests, lint, git_diff, submit

and each row's ``extra_info.tools_kwargs`` gives every tool ``{"create_kwargs": {"gauntlet_task": TASK}}``.
verl's ``ToolAgentLoop`` creates, executes and releases a tool instance per call; the episode (on
``gauntlet serve-env``) lives across the calls of one rollout, keyed by the rollout's
``agent_data.request_id``.  The tool reward is 0 until ``submit`` (or a budget) ends the episode, then
its graded reward (verl collects them in ``tool_rewards``).  A rollout that stops without submitting
leaves its episode to the server's idle timeout.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import uuid4

from verl.tools.base_tool import BaseTool
from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse

from harness.env.client import EnvClient
from harness.env.tools import TOOLS
from harness.errors import InfraError

_EPISODES: dict[str, str] = {}  # rollout request id -> episode id
_LOCK = threading.Lock()


class GauntletTool(BaseTool):
    def __init__(self, config: dict, tool_schema: OpenAIFunctionToolSchema | None = None):
        name = config.get("tool")
        if name not in TOOLS:
            raise ValueError(f"config.tool must be one of {', '.join(TOOLS)}, not {name!r}")
        self.client = EnvClient(config.get("env_url", "http://127.0.0.1:8100"))
        self._kwargs: dict[str, dict] = {}
        super().__init__(config, tool_schema or OpenAIFunctionToolSchema.model_validate(TOOLS[name].schema()))

    async def create(self, instance_id: str | None = None, **kwargs) -> tuple[str, ToolResponse]:
        instance_id = instance_id or str(uuid4())
        self._kwargs[instance_id] = kwargs.get("create_kwargs") or {}
        return instance_id, ToolResponse()

    async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs) -> tuple[ToolResponse, float, dict]:
        agent_data = kwargs.get("agent_data")
        key = getattr(agent_data, "request_id", None) or instance_id
        try:
            with _LOCK:
                episode = _EPISODES.get(key)
            if episode is None:
                task = self._kwargs.get(instance_id, {}).get("gauntlet_task")
                if task is None:
                    return ToolResponse(text="no Gauntlet task: set tools_kwargs.<tool>.create_kwargs.gauntlet_task"), 0.0, {}
                episode, _ = await asyncio.to_thread(self.client.create, task)
                with _LOCK:
                    _EPISODES[key] = episode
            obs = await asyncio.to_thread(self.client.step, episode, {"name": self.name, "arguments": parameters})
        except InfraError as e:
            return ToolResponse(text=f"the environment failed: {e}"), 0.0, {"gauntlet_infra": 1.0}
        metrics = {"gauntlet_malformed": float(obs["data"].get("kind") == "malformed")}
        reward = 0.0
        if obs["done"]:
            reward = float(obs.get("reward") or 0.0)
            with _LOCK:
                _EPISODES.pop(key, None)
            try:
                record = await asyncio.to_thread(self.client.close, episode)
                metrics["gauntlet_resolved"] = float(record["resolved"])
            except InfraError:
                metrics["gauntlet_infra"] = 1.0
        return ToolResponse(text=obs["text"]), reward, metrics

    async def release(self, instance_id: str, **kwargs) -> None:
        self._kwargs.pop(instance_id, None)
