"""verifiers 0.4 (``verifiers.v1``: Taskset / Task / Toolset / Harness / Env) over Gauntlet episodes.

Runs in the verifiers-0.4 environment as a *client* of ``gauntlet serve-env`` (``harness.env.client``,
standard library only), so none of the episode's own dependencies (sandboxes, plugins) are needed
there: only ``verifiers==0.4.0`` and this repository importable (its core needs ``pluggy``).

verifiers 0.4 loads an environment by the name of a top-level module that exports its ``Taskset``
(and optionally its ``Env``) in ``__all__`` (``verifiers.v1.utils.loaders``); a dotted name such as
this module's is refused (its loader looks the id up as ``verifiers.v1.tasksets.<id>`` first, which
raises for a dotted id).  So the id is ``gauntlet_verifiers_v1``, a top-level module installed with
Gauntlet that re-exports this one::

    gauntlet serve-env --port 8100 &
    vf-eval gauntlet_verifiers_v1 --env.taskset.dataset tasks.jsonl --env.taskset.task.env-url http://127.0.0.1:8100 \\
        --model MODEL --client.base-url http://localhost:8000/v1 --no-push

What runs where:

- ``GauntletTaskset.load`` reads JSON lines as the verifiers 0.3 adapter takes them: ``prompt`` (text
  or chat messages) or ``question``, the task in ``info.gauntlet_task`` (``info`` may be a JSON
  string), ``answer`` or ``gauntlet_task``: a repository task or a SWE-format instance.
- ``GauntletTask.setup`` opens an episode on the server (``POST /episodes``, the per-episode
  ``options`` of the task config, then of the row); the episode's id rides in the rollout's state
  (``GauntletState``), which verifiers shares with the tool server.  The first observation (problem
  statement and repository layout) is appended to the task's prompt by a request interceptor (the
  task's data is immutable in verifiers 0.4; an interceptor is its way to rewrite a user turn).
- ``GauntletToolset`` is one MCP server for the whole run (``Taskset.toolsets``: taskset-scoped,
  reached per rollout with that rollout's state): it lists Gauntlet's tools with their own JSON
  schemas (``GET /tools``) under their bare names (list_files, read_file, search, edit, apply_patch,
  build, run_tests, lint, git_diff, submit) and forwards each call to the rollout's episode
  (``POST /episodes/ID/step``): the observation's text is the content, its data the structured
  content, ``isError`` for malformed, refused and failed calls.
- A ``@vf.stop`` ends the rollout once the episode is over (submit, or a step / time budget).
- ``GauntletTask.finalize`` grades (``POST /episodes/ID/submit`` when the model did not submit: graded
  as at a budget, not counted as a call of the model's) and closes the episode (``DELETE``: the sandbox is reclaimed and the
  trajectory written by the server); the grade goes to ``trace.info["gauntlet"]``.
- ``@vf.reward`` ``gauntlet_reward`` = the episode's reward (the task's grade as outside the
  environment); ``@vf.metric`` ``gauntlet_resolved``, ``gauntlet_format_accuracy``,
  ``gauntlet_infra_error``.
- ``GauntletEnv`` (the single-agent env, with the ``null`` harness: a chat loop whose only tools are
  the MCP servers', on the ``subprocess`` runtime; both can be changed with ``--env.agent.*``)
  closes in ``finalize`` any episode a failed rollout left open.

An infrastructure failure (the episode cannot open, the server does not answer, grading fails, the
model server fails) gives no reward in verifiers 0.4's own terms: the trace fails (``ok`` false, the
error recorded, ``rewards.gauntlet_reward`` unset), so ``trace.reward`` reads ``INFRA_SENTINEL``
(0.0); ``metrics.gauntlet_infra_error`` = 1.0 and a loud log line (``harness.rewards.infra``) say
so.  Episodes of rollouts that verifiers drops without finalizing (an episode-level timeout) are
reclaimed by the server's ``--idle-timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import verifiers.v1 as vf
from verifiers.v1.harnesses.null import NullHarnessConfig

from harness import settings
from harness.env.client import EnvClient
from harness.rewards import infra
from harness.rewards.rows import jsonl_rows, task_cell

__all__ = ["GauntletConfig", "GauntletData", "GauntletEnv", "GauntletEnvConfig", "GauntletState", "GauntletTask",
           "GauntletTaskConfig", "GauntletTaskset", "GauntletToolset"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = ("You fix a code repository with the tools you are given: read and search the code, edit it, "
                 "run the tests, and call submit when the tests pass. One tool call per step.")
DEFAULT_PROMPT = "Fix the repository so that its tests pass."
_SUMMARY = ("episode_id", "submitted", "reward", "resolved", "roles", "diff", "refused", "metrics")


class GauntletState(vf.State):
    """Per-rollout state, shared by the task's hooks (host) and the tool server (over verifiers' channel)."""

    env_url: str = ""
    episode_id: str = ""
    first_observation: str = ""
    prompted: bool = False
    done: bool = False
    closed: bool = False
    infra_error: str = ""


class GauntletData(vf.TaskData):
    gauntlet_task: dict[str, Any]
    """A repository task or a SWE-format instance (as ``gauntlet serve-env`` takes it)."""
    options: dict[str, Any] = {}
    """Per-episode options of this row (over the task config's)."""


class GauntletTaskConfig(vf.TaskConfig):
    env_url: str | None = None
    """The ``gauntlet serve-env`` server; unset: ``GAUNTLET_ENV_URL``, else http://127.0.0.1:8100."""
    options: dict[str, Any] = {}
    """Per-episode options: max_steps, max_seconds, max_output_chars, allow_test_edits, roles, debugger_k,
    tester_mutants, tool_timeout."""
    timeout: float = 900.0
    """Seconds one request to the server may take (grading runs the tests)."""

    def url(self) -> str:
        return (self.env_url or settings.env_url()).rstrip("/")


class GauntletConfig(vf.TasksetConfig):
    dataset: Path | None = None
    """JSON lines: ``prompt`` or ``question``, and the task in ``info.gauntlet_task`` (or ``answer``)."""
    task: GauntletTaskConfig = GauntletTaskConfig()
    tools: vf.SharedToolsetConfig = vf.SharedToolsetConfig()


def _client(state: GauntletState, timeout: float = 900.0) -> EnvClient:
    return EnvClient(state.env_url, timeout=timeout)


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in _SUMMARY}


def _close(state: GauntletState, grade: bool, timeout: float) -> dict[str, Any] | None:
    """Submit (when ``grade`` and the episode is not over) and close the episode: its record's summary."""
    if not state.episode_id or state.closed:
        return None
    client = _client(state, timeout)
    try:
        if grade and not state.done:
            client.submit(state.episode_id)
            state.done = True
    finally:
        record = client.close(state.episode_id)
        state.closed = True
    return _summary(record)


def _grade(trace: vf.Trace) -> dict[str, Any] | None:
    return trace.info.get("gauntlet")


def _graded_value(trace: vf.Trace) -> float | None:
    summary = _grade(trace)
    value = None if summary is None or summary.get("reward") is None else summary["reward"].get("value")
    return None if value is None else float(value)


class GauntletTask(vf.Task[GauntletData, GauntletState, GauntletTaskConfig]):
    """One Gauntlet episode per rollout."""

    async def setup(self, trace: vf.Trace, runtime: vf.Runtime) -> None:
        state: GauntletState = trace.state
        state.env_url = self.config.url()
        options = {**self.config.options, **self.data.options}
        episode_id, first = await asyncio.to_thread(
            _client(state, self.config.timeout).create, self.data.gauntlet_task, options)
        state.episode_id = episode_id
        state.first_observation = first["text"]
        trace.info["gauntlet_episode_id"] = episode_id

    @vf.intercept
    def show_first_observation(self, request: vf.Request, trace: vf.Trace) -> vf.Request | None:
        """Append the episode's first observation (problem, repository layout) to the prompt's last user turn."""
        state: GauntletState = trace.state
        if state.prompted or not state.first_observation:
            return None
        users = [i for i, m in enumerate(request.messages) if isinstance(m, vf.UserMessage)]
        if not users:
            return None
        i = users[-1]
        message = request.messages[i]
        extra = "\n\n" + state.first_observation
        if isinstance(message.content, str):
            content: Any = message.content + extra
        else:
            content = [*message.content, vf.TextContentPart(text=extra)]
        messages = list(request.messages)
        messages[i] = message.model_copy(update={"content": content})
        state.prompted = True
        return request.model_copy(update={"messages": messages})

    @vf.stop
    def episode_over(self, request: vf.Request, trace: vf.Trace) -> bool:
        """Submit (or a budget) ended the episode: no further model turn.  Checked on the request
        (not on the trace alone), so the request's tail, the grade's observation, joins the trace."""
        return trace.state.done

    async def finalize(self, trace: vf.Trace, runtime: vf.Runtime) -> None:
        """Grade what the model left (submitting for it when it did not) and close the episode."""
        summary = await asyncio.to_thread(_close, trace.state, True, self.config.timeout)
        if summary is not None:
            trace.info["gauntlet"] = summary

    @vf.reward(weight=1.0)
    async def gauntlet_reward(self, trace: vf.Trace) -> float:
        """The episode's grade; without one the rollout fails (verifiers' "no reward")."""
        value = _graded_value(trace)
        if value is None:
            summary = _grade(trace) or {}
            why = (summary.get("reward") or {}).get("breakdown") or trace.state.infra_error or "the episode was not graded"
            raise vf.TaskError(f"gauntlet: infrastructure error, no grade: {why}")
        return value

    @vf.metric
    async def gauntlet_infra_error(self, trace: vf.Trace) -> float:
        return 0.0 if _graded_value(trace) is not None else 1.0

    @vf.metric
    async def gauntlet_resolved(self, trace: vf.Trace) -> float:
        return float(bool((_grade(trace) or {}).get("resolved")))

    @vf.metric
    async def gauntlet_format_accuracy(self, trace: vf.Trace) -> float:
        metrics = (_grade(trace) or {}).get("metrics") or {}
        return float(metrics.get("format_accuracy", 0.0))


class GauntletToolset(vf.Toolset[vf.SharedToolsetConfig, GauntletState]):
    """Gauntlet's tools, forwarded to each rollout's episode; one server for the run."""

    TOOL_PREFIX = None  # the tools keep Gauntlet's names
    _schemas: dict[str, list[dict[str, Any]]] = {}  # server URL -> its tools: fetched once, not per model turn

    def register(self, mcp: Any) -> None:
        # Gauntlet's own JSON schemas (not ones derived from Python signatures), as verifiers' NeMo Gym
        # toolset publishes a dynamic catalogue: the server's list / call handlers, each with the rollout's state.
        mcp.list_tools = self._with_state(self.list_tools)
        mcp.call_tool = self._with_state(self.call_tool)

    async def list_tools(self) -> list[Any]:
        from mcp.types import Tool

        state = self.state
        if not state.env_url:
            raise ValueError("no Gauntlet episode in this rollout's state (is the taskset gauntlet_verifiers_v1?)")
        if state.env_url not in self._schemas:
            self._schemas[state.env_url] = await asyncio.to_thread(_client(state).tools)
        return [Tool(name=t["function"]["name"], description=t["function"].get("description"),
                     input_schema=t["function"]["parameters"]) for t in self._schemas[state.env_url]]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        from mcp.types import CallToolResult, TextContent

        state = self.state
        if not state.episode_id:
            return CallToolResult(content=[TextContent(type="text", text="no Gauntlet episode in this rollout")],
                                  is_error=True)
        try:
            obs = await asyncio.to_thread(_client(state).step, state.episode_id, {"name": name, "arguments": arguments})
        except Exception as e:  # the server failed, not the model: recorded for the grade
            state.infra_error = str(e)
            return CallToolResult(content=[TextContent(type="text", text=f"infrastructure error: {e}")], is_error=True)
        if obs.get("done"):
            state.done = True
        return CallToolResult(content=[TextContent(type="text", text=obs["text"])], is_error=not obs.get("ok", True),
                              structured_content=obs.get("data") or None)


class GauntletTaskset(vf.Taskset[GauntletTask, GauntletConfig]):
    def load(self) -> list[GauntletTask]:
        if self.config.dataset is None:
            raise ValueError("set --env.taskset.dataset (JSON lines with prompt and info.gauntlet_task)")
        return [GauntletTask(_data(row, where), self.config.task) for row, where in jsonl_rows(self.config.dataset)]

    @classmethod
    def toolsets(cls, config: GauntletConfig) -> list[vf.Toolset]:
        return [GauntletToolset(config.tools)]


def _data(row: dict[str, Any], where: str) -> GauntletData:
    task = task_cell(row)
    if isinstance(task, str):
        task = json.loads(task)
    if not isinstance(task, dict):
        raise ValueError(f"{where}: no Gauntlet task (info.gauntlet_task, gauntlet_task or answer)")
    prompt = row.get("prompt") or row.get("question") or DEFAULT_PROMPT
    has_system = isinstance(prompt, list) and any(m.get("role") == "system" for m in prompt)
    system = row.get("system_prompt", None if has_system else SYSTEM_PROMPT)
    name = row.get("name") or task.get("instance_id") or task.get("repo")
    return GauntletData(prompt=prompt, system_prompt=system, gauntlet_task=task, options=row.get("options") or {},
                        id=row.get("id"), name=str(name) if name else None)


class GauntletEnvConfig(vf.EnvConfig):
    agent: vf.AgentConfig = vf.AgentConfig(harness=NullHarnessConfig(id="null"), runtime=vf.SubprocessConfig())
    """The one seat: verifiers' ``null`` chat loop (the MCP tools only) on the host; ``--env.agent.*`` changes it."""


class GauntletEnv(vf.Env[GauntletEnvConfig]):
    """The single-agent env, which also closes the episodes of failed rollouts and marks them."""

    async def run(self, task: vf.Task, agents: vf.Agents) -> None:
        await agents.agent.run(task)

    async def finalize(self, task: vf.Task, episode: vf.Episode) -> None:
        for trace in episode.traces:
            state = trace.state
            if not isinstance(state, GauntletState):
                continue
            if state.episode_id and not state.closed:  # the rollout failed before the task's finalize
                try:
                    summary = await asyncio.to_thread(_close, state, False, 60.0)
                    if summary is not None:
                        trace.info["gauntlet"] = summary
                except Exception as e:  # the server's idle timeout reclaims it
                    log.warning("gauntlet: could not close episode %s: %s", state.episode_id, e)
            if not trace.ok:
                why = trace.last_error.message if trace.last_error else "the rollout failed"
                infra.note(why, "verifiers 0.4 agent environment")
                trace.rewards.setdefault("gauntlet_reward", None)
                trace.record_metric("gauntlet_infra_error", 1.0)


if __name__ == "__main__":  # verifiers starts the tool server as `python -m <this module>`
    GauntletToolset.run()
