"""prime-rl / verifiers environment: ``vf.load_environment("harness.rewards.verifiers_env", dataset_path=...)``.

``load_environment`` returns a ``SingleTurnEnv`` whose ``Rubric`` is Gauntlet's reward (weight 1)
and an infrastructure-failure metric (weight 0).  The dataset has a ``question`` column (or chat
``prompt``) and the Gauntlet task as JSON text in ``answer`` (or ``info["gauntlet_task"]``).
verifiers takes a float from every reward function (an exception or None becomes 0.0 with a log
line), so an infrastructure failure scores ``INFRA_SENTINEL`` and sets ``gauntlet_infra_error`` =
1.0 in the rollout's metrics, beside a loud log line.  Written for the ``SingleTurnEnv`` / ``Rubric``
API (verifiers 0.1 to 0.3, where 0.3 keeps it as ``verifiers.legacy``).
"""

from __future__ import annotations

from typing import Any

from harness.errors import UsageError
from harness.rewards import infra
from harness.rewards.engine import default_engine, load_task
from harness.rewards.parse import completion_text


def _task(answer: Any, info: Any) -> Any:
    if isinstance(info, dict) and info.get("gauntlet_task") is not None:
        return info["gauntlet_task"]
    return answer


def gauntlet_reward(completion: Any, answer: Any = None, info: Any = None, state: Any = None, **kwargs: Any) -> float:
    """The reward-table value of one rollout."""
    task = _task(answer, info)
    if load_task(task) is None:
        raise ValueError("this row has no Gauntlet task (answer or info['gauntlet_task'])")
    [r] = default_engine().score([completion_text(completion)], [task])
    failed = r.value is None
    if failed:
        infra.note(r.breakdown.get("infra_error", r.row), "verifiers rubric")
    if isinstance(state, dict):
        state["gauntlet_infra_error"] = 1.0 if failed else 0.0
        state["gauntlet_row"] = r.row
    return infra.INFRA_SENTINEL if failed else float(r.value)


def gauntlet_infra_error(state: Any = None, **kwargs: Any) -> float:
    """1.0 when this rollout's reward is the infrastructure sentinel (a metric: weight 0)."""
    return float(state.get("gauntlet_infra_error", 0.0)) if isinstance(state, dict) else 0.0


def load_environment(dataset: Any = None, dataset_path: str | None = None, system_prompt: str | None = None,
                     **kwargs: Any):
    """A ``SingleTurnEnv`` over ``dataset`` (a ``datasets.Dataset``) or the JSON lines at ``dataset_path``."""
    import verifiers as vf

    if dataset is None:
        if dataset_path is None:
            raise UsageError("load_environment needs dataset= (a datasets.Dataset) or dataset_path= (JSON lines with "
                             "question and answer, the answer being the Gauntlet task as JSON text)")
        from datasets import load_dataset

        dataset = load_dataset("json", data_files=dataset_path, split="train")
    rubric = vf.Rubric(funcs=[gauntlet_reward, gauntlet_infra_error], weights=[1.0, 0.0])
    return vf.SingleTurnEnv(dataset=dataset, system_prompt=system_prompt, rubric=rubric, **kwargs)
