"""prime-rl / verifiers multi-turn environment over Gauntlet episodes.

    env = vf.load_environment("harness.env.adapters.verifiers_env", dataset_path="tasks.jsonl", max_steps=30)

Each row has a ``prompt`` (or ``question``) and the task in ``info["gauntlet_task"]`` (or ``answer``),
a repository task or a SWE-format instance.  ``setup_state`` opens an episode on it and appends its
first observation (problem and repository layout) to the prompt; the tools go to the model as
``tool_defs`` (their JSON schemas).  ``env_response`` runs the model's calls: native tool calls
(each answered by a tool message) or, with no tool parser on the server, the call written in the
text (``harness.env.calls``; answered by a user message).  The rollout ends at submit or at the
episode's budget (the grade's text is the final response); when verifiers ends it first
(``max_turns``, its timeout, an overlong prompt) the changes so far are graded as at a budget.
The episode is closed (sandbox reclaimed, trajectory written) by a cleanup handler that runs
whatever ended the rollout, errors included.

The ``Rubric`` reads the grade: reward = the episode's reward (the task's grade as outside the
environment); metrics ``gauntlet_resolved``, ``gauntlet_format_accuracy`` and
``gauntlet_infra_error``.  An infrastructure failure (the sandbox cannot open, grading fails) has no
grade: it scores ``INFRA_SENTINEL`` with ``gauntlet_infra_error`` = 1.0 and a loud log line, as the
single-turn ``harness.rewards.verifiers_env`` does.  Written for verifiers 0.3's ``MultiTurnEnv``
(``verifiers.legacy``, also answering as ``import verifiers as vf``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import verifiers as vf

from harness.env.episode import Episode, EpisodeOptions
from harness.env.tools import TOOLS, BadCall
from harness.errors import InfraError, UsageError
from harness.rewards import infra
from harness.sandbox import SandboxError

SYSTEM_PROMPT = ("You fix a code repository with the tools you are given: read and search the code, edit it, "
                 "run the tests, and call submit when the tests pass. One tool call per step.")
_OPTION_KEYS = {f.name for f in dataclasses.fields(EpisodeOptions)}
_EPISODE = "gauntlet_episode"  # state key of the live Episode (removed at cleanup: it is not serialisable)


def _task(state: Any) -> Any:
    info = state.get("info")
    if isinstance(info, dict) and info.get("gauntlet_task") is not None:
        return info["gauntlet_task"]
    if state.get("answer"):
        return state["answer"]
    raise UsageError("this row has no Gauntlet task (info['gauntlet_task'] or answer)")


def _text(content: Any) -> str:
    if isinstance(content, str) or content is None:
        return content or ""
    return "".join(getattr(p, "text", None) or (p.get("text", "") if isinstance(p, dict) else "") for p in content)


class GauntletAgentEnv(vf.MultiTurnEnv):
    """A ``MultiTurnEnv`` whose rollouts are Gauntlet episodes (one sandbox per rollout)."""

    def __init__(self, options: EpisodeOptions | None = None, repos_dir: str | None = None, **kwargs: Any):
        self.episode_options = options or EpisodeOptions()
        self.repos_dir = repos_dir
        tool_defs = [vf.Tool(name=t.name, description=t.description, parameters=t.parameters) for t in TOOLS.values()]
        kwargs.setdefault("max_turns", self.episode_options.max_steps + 1)  # the episode's budget ends it first
        super().__init__(tool_defs=tool_defs, **kwargs)

    async def setup_state(self, state: vf.State) -> vf.State:
        task = _task(state)
        try:
            state[_EPISODE] = episode = await asyncio.to_thread(Episode, task, self.episode_options, None, self.repos_dir)
            first = await asyncio.to_thread(episode.reset)
        except (InfraError, SandboxError, BadCall) as e:  # the sandbox failed: no grade, the rubric scores the sentinel
            state["gauntlet_result"] = {"reward": {"value": None, "row": "infrastructure error",
                                                   "breakdown": {"infra_error": str(e)}}, "resolved": False}
            raise vf.InfraError(f"the Gauntlet episode could not start: {e}") from e
        state["prompt"] = [*state["prompt"], vf.UserMessage(content=first.text)]
        return state

    async def env_response(self, messages: vf.Messages, state: vf.State, **kwargs: Any) -> vf.Messages:
        episode: Episode = state[_EPISODE]
        last = messages[-1]
        replies: list[Any] = []
        done = False
        for call in getattr(last, "tool_calls", None) or []:
            if done:  # the episode ended on an earlier call of this turn
                replies.append(vf.ToolMessage(content="the episode is over", tool_call_id=call.id))
                continue
            obs = await asyncio.to_thread(episode.step, {"name": call.name, "arguments": call.arguments})
            replies.append(vf.ToolMessage(content=obs.text, tool_call_id=call.id))
            done = obs.done
        if not replies:  # no native tool call: the call is in the text (or the observation says it is missing)
            obs = await asyncio.to_thread(episode.step, _text(getattr(last, "content", "")))
            replies.append(vf.UserMessage(content=obs.text))
            done = obs.done
        if done:
            state["final_env_response"] = replies
        return replies

    @vf.cleanup
    async def close_episode(self, state: vf.State) -> None:
        """Grade (when verifiers ended the rollout before submit) and close the episode, whatever happened."""
        episode: Episode | None = state.pop(_EPISODE, None)
        if episode is None:
            return
        await asyncio.to_thread(_finish, episode, state.get("error") is None)
        if episode.result is not None:
            state["gauntlet_result"] = {k: episode.result[k] for k in ("reward", "resolved", "roles", "metrics", "diff")}


def _finish(episode: Episode, grade: bool) -> None:
    """Submit (under the episode's lock: a timed-out rollout may leave a call running) and close."""
    try:
        if grade:
            with episode.lock:
                if not episode.done and not episode.closed:
                    episode.submit()
    finally:
        episode.close()


def _result(state: Any) -> dict[str, Any] | None:
    return state.get("gauntlet_result") if isinstance(state, dict) else None


def gauntlet_reward(state: Any = None, **kwargs: Any) -> float:
    """The episode's graded reward; the sentinel (with the infra metric) when there is no grade."""
    result = _result(state)
    value = None if result is None else result["reward"]["value"]
    if value is None:
        why = "the rollout ended before the episode was graded" if result is None else result["reward"]["breakdown"]
        infra.note(why, "verifiers agent environment")
        state["gauntlet_infra_error"] = 1.0
        return infra.INFRA_SENTINEL
    state["gauntlet_infra_error"] = 0.0
    return float(value)


def gauntlet_infra_error(state: Any = None, **kwargs: Any) -> float:
    """1.0 when this rollout's reward is the infrastructure sentinel (a metric: weight 0)."""
    return float(state.get("gauntlet_infra_error", 0.0)) if isinstance(state, dict) else 0.0


def gauntlet_resolved(state: Any = None, **kwargs: Any) -> float:
    result = _result(state)
    return float(bool(result and result["resolved"]))


def gauntlet_format_accuracy(state: Any = None, **kwargs: Any) -> float:
    result = _result(state)
    return float(result["metrics"]["format_accuracy"]) if result and "metrics" in result else 0.0


def load_environment(dataset: Any = None, dataset_path: str | None = None, system_prompt: str | None = SYSTEM_PROMPT,
                     repos_dir: str | None = None, **kwargs: Any) -> GauntletAgentEnv:
    """A ``GauntletAgentEnv`` over ``dataset`` or the JSON lines at ``dataset_path``; ``EpisodeOptions``'
    fields (``max_steps``, ``backend``, ``trajectory``, ...) are taken from ``kwargs``, the rest go to verifiers."""
    if dataset is None:
        if dataset_path is None:
            raise UsageError("load_environment needs dataset= (a datasets.Dataset) or dataset_path= (JSON lines with "
                             "prompt or question, and info.gauntlet_task: a repository task or a SWE-format instance)")
        from datasets import load_dataset

        dataset = load_dataset("json", data_files=dataset_path, split="train")
    picked = {k: kwargs.pop(k) for k in list(kwargs) if k in _OPTION_KEYS}
    if isinstance(picked.get("roles"), list):
        picked["roles"] = tuple(picked["roles"])
    rubric = vf.Rubric(funcs=[gauntlet_reward, gauntlet_infra_error, gauntlet_resolved, gauntlet_format_accuracy],
                       weights=[1.0, 0.0, 0.0, 0.0])
    return GauntletAgentEnv(options=EpisodeOptions(**picked), repos_dir=repos_dir, dataset=dataset,
                            system_prompt=system_prompt, rubric=rubric, **kwargs)
