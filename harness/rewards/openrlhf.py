"""OpenRLHF: what ``serve-rewards`` answers, and the reward function file OpenRLHF loads itself.

Two ways in (flags of OpenRLHF >= 0.10.2; before it, ``--remote_rm_url`` and ``--label_key``):
- HTTP: ``--reward.remote_url http://HOST:8000/get_reward`` against ``gauntlet serve-rewards``;
- no HTTP: ``--reward.remote_url $(python -m harness.rewards.openrlhf)``, the path of this file:
  OpenRLHF imports it and calls ``reward_func(queries, prompts, labels)`` in its own process.
Either way the task is the label: ``--data.label_key gauntlet_task`` (a JSON text column).

What OpenRLHF reads back: ``rewards`` and ``scores``, one number per sample, and ``extra_logs``, of
which it turns every value into a tensor (a dict there stops training with "Could not infer dtype
of dict").  So each ``extra_logs`` value is a list of one number per sample, under the same keys in
every answer (``LOG_KEYS``): the share of each reward-table row, of cached results and of samples
with no reward.  The per-sample detail goes under ``gauntlet``, a key OpenRLHF does not read.

No reward (an infrastructure failure, a label that is no Gauntlet task, a query without its
prompt): OpenRLHF takes no None (its experience maker then asks for a reward model) and a NaN
reward would spread through the group's advantages.  Such a sample gets ``INFRA_REWARD`` (0.0, a
sentinel), a NaN score (OpenRLHF's ``--algo.dynamic_filtering_enable`` then drops its group, since
no range holds NaN), ``gauntlet_infra`` 1.0 in ``extra_logs`` (its mean is the step's infra rate)
and a warning in the log.
"""

from __future__ import annotations

import json
import logging
import math
from concurrent.futures import Future
from typing import Any

from harness.rewards.engine import RewardEngine, load_task
from harness.rewards.table import Reward

log = logging.getLogger("harness.rewards.openrlhf")

INFRA_REWARD = 0.0
LABEL_KEY = "gauntlet_task"
_ROWS = {"tests pass and lint clean": "pass", "tests pass, lint warnings": "pass_lint_warnings",
         "builds, tests fail": "tests_fail", "build / syntax failure": "build_failure",
         "invalid tool-call format": "format_error"}  # the default table's rows; others count as "other"
LOG_KEYS = ("gauntlet_infra", "gauntlet_cached", *(f"gauntlet_{name}" for name in _ROWS.values()), "gauntlet_other")
_MIN_OVERLAP = 16  # characters of the prompt's tail that must open a query whose prompt was cut


def response_of(query: str, prompt: str) -> str | None:
    """The response in OpenRLHF's ``query`` (the decoded prompt tokens, then the response's).

    OpenRLHF cuts long prompts from the left, so the query may start with only the prompt's tail:
    the longest suffix of the prompt that the query starts with is removed (matched exactly, else
    ignoring whitespace).  None when the prompt is given but not found (grading the whole query
    would grade the prompt's code)."""
    if not prompt:
        return query
    if query.startswith(prompt):
        return query[len(prompt):]
    q = query.lstrip("\ufffd")  # a multi-byte character cut in half by the token truncation
    k = _overlap(prompt[-len(q):] if q else "", q)
    if k >= min(_MIN_OVERLAP, len(prompt)):
        return q[k:]
    # Tokenizers that tidy spaces when decoding (clean_up_tokenization_spaces: " ." -> ".", a
    # leading space dropped) change the prompt's text: match again with whitespace left out.
    kept = [i for i, c in enumerate(q) if not c.isspace()]
    qs, ps = "".join(q[i] for i in kept), "".join(c for c in prompt if not c.isspace())
    k = _overlap(ps[-len(qs):] if qs else "", qs)
    return q[kept[k - 1] + 1:] if k and k >= min(_MIN_OVERLAP, len(ps)) else None


def _overlap(text: str, pattern: str) -> int:
    """Length of the longest prefix of ``pattern`` that ends ``text`` (Knuth-Morris-Pratt)."""
    fail, k = [0] * len(pattern), 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = fail[k - 1]
        k += pattern[i] == pattern[k]
        fail[i] = k
    k = 0
    for ch in text:
        while k and (k == len(pattern) or ch != pattern[k]):
            k = fail[k - 1]
        k += k < len(pattern) and ch == pattern[k]
    return k


def no_task_reason(label: Any) -> str:
    if label is None or label == "":
        return f"the label is empty: pass the task column as OpenRLHF's label (--data.label_key {LABEL_KEY})"
    return f"the label is not a Gauntlet task (JSON text with kind solution or repository): {str(label)[:80]!r}"


def submit(engine: RewardEngine, queries: list[str], prompts: list[str] | None, labels: list[Any]) -> list[Future | str]:
    """Start scoring each sample; a string instead of a future says why a sample gets no reward."""
    prompts = prompts if isinstance(prompts, list) and len(prompts) == len(queries) else [""] * len(queries)
    out: list[Future | str] = []
    for query, prompt, label in zip(queries, prompts, labels, strict=True):
        task, response = load_task(label), response_of(str(query), str(prompt or ""))
        if task is None:
            out.append(no_task_reason(label))
        elif response is None:
            out.append("the prompt was not found in the query (neither whole nor its tail)")
        else:
            out.append(engine.submit_one(response, task))
    return out


def reply(results: list[Reward | str]) -> tuple[dict, int]:
    """OpenRLHF's answer for scored samples (a Reward, or why there is none) and the count without
    a reward; each of those is logged as a warning."""
    rewards, scores, details = [], [], []
    logs: dict[str, list[float]] = {key: [] for key in LOG_KEYS}
    infra = 0
    for r in results:
        why = r if isinstance(r, str) else (r.breakdown.get("infra_error") or r.row) if r.value is None else None
        flags = dict.fromkeys(LOG_KEYS, 0.0)
        if why is not None:
            infra += 1
            log.warning("no reward (sent as %s with gauntlet_infra=1): %s", INFRA_REWARD, why)
            rewards.append(INFRA_REWARD)
            scores.append(math.nan)
            flags["gauntlet_infra"] = 1.0
            details.append({"row": "no reward", "error": why})
        else:
            rewards.append(r.value)
            scores.append(r.value)
            flags[f"gauntlet_{_ROWS.get(r.row, 'other')}"] = 1.0
            flags["gauntlet_cached"] = float(bool(r.breakdown.get("cached")))
            details.append({"row": r.row, "breakdown": json.loads(json.dumps(r.breakdown, default=str))})
        for key, value in flags.items():
            logs[key].append(value)
    return {"rewards": rewards, "scores": scores, "extra_logs": logs, "gauntlet": details}, infra


def score(engine: RewardEngine, queries: list[str], prompts: list[str] | None, labels: list[Any]) -> dict:
    """Score a batch and answer in OpenRLHF's shape (no deadline: the reward function file)."""
    pending = submit(engine, queries, prompts, labels)
    return reply([p if isinstance(p, str) else p.result() for p in pending])[0]


def reward_func(queries: list[str], prompts: list[str], labels: list[Any], **kwargs: Any) -> dict:
    """OpenRLHF's reward function file: rewards, scores and each ``extra_logs`` value as tensors
    of one number per sample (0.8.x concatenates them; 0.9.1 and later read the first item)."""
    import torch

    from harness.rewards.engine import default_engine

    doc = score(default_engine(), list(queries), list(prompts), list(labels))
    return {"rewards": torch.tensor(doc["rewards"], dtype=torch.float32),
            "scores": torch.tensor(doc["scores"], dtype=torch.float32),
            "extra_logs": {k: torch.tensor(v, dtype=torch.float32) for k, v in doc["extra_logs"].items()}}


if __name__ == "__main__":  # ``python -m harness.rewards.openrlhf``: the path to give OpenRLHF
    print(__file__)
