"""verifiers 0.4 (``verifiers.v1``: Taskset / Task / ``@vf.reward`` / Harness / Env): Gauntlet's
single-turn reward environment, graded by ``gauntlet serve-rewards``.

The same rows and the same reward as the verifiers 0.1-0.3 environment (``harness.rewards.verifiers_env``):
the model answers a prompt once, with no tools, and its answer is scored against the row's Gauntlet
task by the reward engine.  Here the engine runs in ``gauntlet serve-rewards`` (its HTTP API, OpenRLHF's
remote reward shape: ``POST /get_reward``), so the verifiers-0.4 environment needs only Gauntlet's
core, not its sandboxes or plugins.

verifiers 0.4 loads an environment by the name of a top-level module exporting its ``Taskset`` in
``__all__`` and refuses a dotted id, so ``gauntlet_verifiers_rewards`` (a top-level module installed
with Gauntlet) re-exports this module::

    gauntlet serve-rewards --port 8000 &
    vf-eval gauntlet_verifiers_rewards --env.taskset.dataset rows.jsonl \\
        --env.taskset.task.rewards-url http://127.0.0.1:8000 \\
        --model MODEL --client.base-url http://localhost:8001/v1 --no-push

What runs where:

- ``GauntletRewardTaskset.load`` reads JSON lines as the 0.3 environment takes them: ``prompt`` (text
  or chat messages) or ``question``; the task in ``info.gauntlet_task`` (``info`` may be JSON text),
  ``gauntlet_task`` or ``answer`` (a dict or JSON text; ``kind`` solution or repository).  A row
  without one is refused when the taskset loads.
- ``GauntletRewardEnv`` has one seat: verifiers' ``null`` harness (a plain chat loop; the task has
  no tools), on the ``subprocess`` runtime, at most one model turn (``--env.agent.*`` changes it).
- ``GauntletRewardTask``'s ``@vf.metric`` ``gauntlet`` posts the model's answer (its assistant
  turns: text, and any tool call as a JSON line, as ``harness.rewards.parse.completion_text``
  writes it) and the task to the server once, caching the reply in the rollout's state; it records
  ``gauntlet_infra_error``, ``gauntlet_resolved`` (tests pass) and the server's per-sample logs
  (``gauntlet_pass``, ``gauntlet_tests_fail``, ``gauntlet_cached``, ...).  The ``@vf.reward``
  ``gauntlet_reward`` (weight 1) is the server's reward; the row and breakdown go to
  ``trace.info["gauntlet"]``.

An infrastructure failure (the server does not answer or answers an error, or it scores the sample
without a reward: its ``no reward`` row) gives no reward in verifiers 0.4's own terms: the reward
raises, so the trace fails (``ok`` false, the error recorded, ``rewards.gauntlet_reward`` unset) and
``trace.reward`` reads ``INFRA_SENTINEL`` (0.0), never a graded 0.0; ``metrics.gauntlet_infra_error``
= 1.0 and a loud log line (``harness.rewards.infra``) say so.  A rollout that fails before scoring
(the model server fails) is marked the same way by the env's ``finalize``.  The server answers 503
with ``Retry-After`` when it is full; those requests are retried until ``timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import verifiers.v1 as vf
from verifiers.v1.harnesses.null import NullHarnessConfig

from harness.errors import InfraError
from harness.rewards import infra
from harness.rewards.engine import load_task
from harness.rewards.parse import completion_text
from harness.rewards.rows import jsonl_rows, task_cell

__all__ = ["GauntletRewardConfig", "GauntletRewardData", "GauntletRewardEnv", "GauntletRewardEnvConfig",
           "GauntletRewardState", "GauntletRewardTask", "GauntletRewardTaskConfig", "GauntletRewardTaskset"]

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"  # gauntlet serve-rewards' default port
_RESOLVED = ("gauntlet_pass", "gauntlet_pass_lint_warnings")  # the server's logs of the rows where tests pass


class GauntletRewardState(vf.State):
    grade: dict[str, Any] | None = None
    """The server's answer for this rollout (cached: the metric and the reward share one request)."""


class GauntletRewardData(vf.TaskData):
    gauntlet_task: dict[str, Any]
    """A Gauntlet task: ``{"kind": "solution", ...}`` or ``{"kind": "repository", "repo": PATH, ...}``
    (a path on the reward server's machine)."""


class GauntletRewardTaskConfig(vf.TaskConfig):
    rewards_url: str = DEFAULT_URL
    """The ``gauntlet serve-rewards`` server (``/get_reward`` is appended unless given)."""
    timeout: float = 900.0
    """Seconds to get one sample's reward, 503 retries included (a repository task runs its tests)."""

    def endpoint(self) -> str:
        url = self.rewards_url.rstrip("/")
        return url if url.endswith(("/get_reward", "/reward")) else url + "/get_reward"


class GauntletRewardConfig(vf.TasksetConfig):
    dataset: Path | None = None
    """JSON lines: ``prompt`` or ``question``, and the task in ``info.gauntlet_task`` (or ``answer``)."""
    task: GauntletRewardTaskConfig = GauntletRewardTaskConfig()


def post_reward(endpoint: str, completion: str, task: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One sample through ``POST /get_reward``: the server's per-sample answer, ``reward`` and ``logs``
    added.  Raises ``InfraError`` when there is no reward (the server's outage or its verdict)."""
    body = json.dumps({"query": [completion], "prompts": [""], "labels": [json.dumps(task)]}).encode()
    deadline = time.monotonic() + timeout
    while True:
        req = urllib.request.Request(endpoint, data=body, method="POST", headers={"Content-Type": "application/json"})
        left = deadline - time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=max(left, 1.0)) as r:
                doc = json.loads(r.read())
            break
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:500]
            if e.code == 503 and left > 1.0:  # full or slow: the retry joins the same scoring
                time.sleep(min(float(e.headers.get("Retry-After") or 1), max(left - 1.0, 0.0)))
                continue
            raise InfraError(f"the reward server at {endpoint} answered HTTP {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise InfraError(f"the reward server at {endpoint} did not answer: {e}") from None
    try:
        [detail] = doc["gauntlet"]
        [reward] = doc["rewards"]
        logs = {key: float(values[0]) for key, values in (doc.get("extra_logs") or {}).items()}
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise InfraError(f"the reward server at {endpoint} answered {str(doc)[:300]!r} ({e})") from None
    if logs.get("gauntlet_infra") or detail.get("row") == "no reward":
        raise InfraError(f"the reward server gave no reward: {detail.get('error') or detail}")
    return {**detail, "reward": float(reward), "logs": logs}


class GauntletRewardTask(vf.Task[GauntletRewardData, GauntletRewardState, GauntletRewardTaskConfig]):
    """One answer, graded by ``gauntlet serve-rewards``."""

    async def _grade(self, trace: vf.Trace) -> dict[str, Any]:
        state: GauntletRewardState = trace.state
        if state.grade is None:
            messages = [m.model_dump(mode="json") for m in trace.assistant_messages]
            try:
                grade = await asyncio.to_thread(post_reward, self.config.endpoint(), completion_text(messages),
                                                self.data.gauntlet_task, self.config.timeout)
            except InfraError as e:
                grade = {"error": str(e)}
            state.grade = grade
            trace.info["gauntlet"] = {k: v for k, v in grade.items() if k != "logs"}
        return state.grade

    @vf.metric
    async def gauntlet(self, trace: vf.Trace) -> dict[str, float]:
        """``gauntlet_infra_error``, ``gauntlet_resolved`` and the server's logs of this sample."""
        grade = await self._grade(trace)
        if "error" in grade:
            return {"gauntlet_infra_error": 1.0}
        logs = {k: v for k, v in grade["logs"].items() if k != "gauntlet_infra"}
        return {**logs, "gauntlet_infra_error": 0.0, "gauntlet_resolved": float(any(logs.get(k) for k in _RESOLVED))}

    @vf.reward(weight=1.0)
    async def gauntlet_reward(self, trace: vf.Trace) -> float:
        """Gauntlet's reward of the answer; without one the rollout fails (verifiers' "no reward")."""
        grade = await self._grade(trace)
        if "error" in grade:
            raise vf.TaskError(f"gauntlet: infrastructure error, no reward: {grade['error']}")
        return grade["reward"]


class GauntletRewardTaskset(vf.Taskset[GauntletRewardTask, GauntletRewardConfig]):
    def load(self) -> list[GauntletRewardTask]:
        if self.config.dataset is None:
            raise ValueError("set --env.taskset.dataset (JSON lines with prompt and info.gauntlet_task)")
        return [GauntletRewardTask(_data(row, where), self.config.task) for row, where in jsonl_rows(self.config.dataset)]


def _data(row: dict[str, Any], where: str) -> GauntletRewardData:
    cell = task_cell(row)
    task = load_task(cell)
    if task is None:
        raise ValueError(f"{where}: no Gauntlet task (info.gauntlet_task, gauntlet_task or answer: a dict or JSON "
                         f"text with kind solution or repository): {str(cell)[:80]!r}")
    prompt = row.get("prompt") or row.get("question")
    if not prompt:
        raise ValueError(f"{where}: no prompt (prompt or question)")
    return GauntletRewardData(prompt=prompt, system_prompt=row.get("system_prompt"), gauntlet_task=task,
                              id=row.get("id"), name=row.get("name"))


class GauntletRewardEnvConfig(vf.EnvConfig):
    agent: vf.AgentConfig = vf.AgentConfig(harness=NullHarnessConfig(id="null"), runtime=vf.SubprocessConfig(),
                                           max_turns=1)
    """The one seat: verifiers' ``null`` chat loop on the host, one model turn; ``--env.agent.*`` changes it."""


class GauntletRewardEnv(vf.Env[GauntletRewardEnvConfig]):
    """The single-agent env, which also marks the rollouts that failed (no reward) and logs each."""

    async def run(self, task: vf.Task, agents: vf.Agents) -> None:
        await agents.agent.run(task)

    async def finalize(self, task: vf.Task, episode: vf.Episode) -> None:
        for trace in episode.traces:
            if trace.ok:
                continue
            why = trace.last_error.message if trace.last_error else "the rollout failed"
            infra.note(why, "verifiers 0.4 reward environment")
            trace.rewards.setdefault("gauntlet_reward", None)
            trace.record_metric("gauntlet_infra_error", 1.0)
