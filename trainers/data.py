"""What the stages read, built from what Gauntlet writes.

- SFT: task generation's debug pairs (``tasks.debug.jsonl``) as read -> patch -> test
  trajectories, plus optional trajectories: ``{"messages": [...]}`` per line, or the agent
  environment's episode records (``harness.env.trajectory``: read -> edit -> test -> submit), of
  which only resolved episodes are kept.
- IPO: candidate completions per task ranked by Gauntlet outcomes — the roadmap's hard gates in
  order (patch applies, builds, tests pass, lint clean: exactly the reward table's rows), then the
  smaller diff, then fewer files — into (chosen, rejected) pairs.
- GRPO: generated tasks as prompts, each with its ``gauntlet_task`` column (a repository task over
  the buggy snapshot) for ``harness.rewards.trl.gauntlet_reward_func``.

Every text goes through the model's chat template.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any, Iterable

from harness.errors import UsageError
from trainers import harmony


class DataError(UsageError, ValueError):
    """A data file that cannot be used; the message names the file and line."""


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{n}: not JSON ({e.msg})") from None
    return rows


def render(tokenizer, messages: list[dict], generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


# --- SFT ------------------------------------------------------------------------------------------

def sft_texts(tokenizer, debug_pairs: Path | None, trajectories: Path | None = None) -> list[str]:
    texts = []
    if debug_pairs:
        for n, pair in enumerate(read_jsonl(debug_pairs), 1):
            missing = {"language", "file", "buggy", "fixed"} - set(pair)
            if missing:
                raise DataError(f"{debug_pairs}:{n}: a debug pair needs {', '.join(sorted(missing))}")
            texts.append(render(tokenizer, harmony.debug_conversation(pair)))
    if trajectories:
        for n, row in enumerate(read_jsonl(trajectories), 1):
            messages = trajectory_messages(row)
            if messages is None:
                raise DataError(f"{trajectories}:{n}: a trajectory needs a 'messages' list (or is an episode record)")
            if messages:
                texts.append(render(tokenizer, messages))
    if not texts:
        raise DataError("no SFT data: set data.debug_pairs (and/or data.trajectories) in the config")
    return texts


def trajectory_messages(row: dict) -> list[dict] | None:
    """Chat messages of a trajectory line: its ``messages``, or an agent episode's calls and
    observations (``[]`` for an episode that did not resolve its task: not a demonstration)."""
    from harness.env.trajectory import SCHEMA, to_messages

    if row.get("schema") == SCHEMA:
        return to_messages(row) if row.get("resolved") else []
    return row["messages"] if isinstance(row.get("messages"), list) else None


# --- tasks: snapshots and prompts ----------------------------------------------------------------

def snapshot(task: dict, dest: Path) -> Path:
    """The task's buggy tree, from the task store that `gauntlet tasks generate` wrote."""
    out = Path(dest) / task["instance_id"]
    if out.exists():
        return out
    store = Path(task["repos_dir"]) / task["repo"].replace("/", "__")
    out.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(store), "archive", task["base_commit"]], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


def gauntlet_task(task: dict, tree: Path) -> dict:
    tests = list(task.get("FAIL_TO_PASS", [])) + list(task.get("PASS_TO_PASS", []))
    return {"kind": "repository", "repo": str(tree), "language": task["language"], "tests": tests or None}


def task_messages(task: dict, tree: Path, stage: str, rng: random.Random) -> list[dict]:
    file = (task.get("mutation") or {}).get("file")
    content = (tree / file).read_text(encoding="utf-8", errors="replace") if file and (tree / file).is_file() else None
    return [{"role": "developer", "content": harmony.developer(stage, task["language"], rng)},
            {"role": "user", "content": harmony.task_user_message(task["problem_statement"], file, content)}]


def grpo_rows(tokenizer, tasks_path: Path, workdir: Path, seed: int = 0) -> list[dict]:
    """Prompts with their ``gauntlet_task``: from generated SWE-format tasks, or from rows that are
    already prompts (``{"prompt": text or messages, "gauntlet_task": {...}}``, e.g. solution tasks)."""
    rng = random.Random(seed)
    rows = []
    for task in read_jsonl(tasks_path):
        if "gauntlet_task" in task:
            prompt = task["prompt"]
            if isinstance(prompt, list):
                prompt = render(tokenizer, prompt, generation_prompt=True)
            spec = task["gauntlet_task"]
            rows.append({"prompt": prompt, "gauntlet_task": spec if isinstance(spec, str) else json.dumps(spec),
                         "instance_id": task.get("instance_id") or task.get("task_id") or str(len(rows))})
            continue
        tree = snapshot(task, workdir / "snapshots")
        rows.append({"prompt": render(tokenizer, task_messages(task, tree, "grpo", rng), generation_prompt=True),
                     "gauntlet_task": json.dumps(gauntlet_task(task, tree)),
                     "instance_id": task["instance_id"]})
    if not rows:
        raise DataError(f"{tasks_path}: no tasks")
    return rows


# --- IPO: ranking by outcomes -------------------------------------------------------------------

def diff_size(patch: str | None) -> tuple[int, int]:
    """(changed lines, files) of a patch; unparseable or empty counts as nothing changed."""
    if not patch:
        return 0, 0
    lines = sum(1 for ln in patch.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---")))
    files = len(set(re.findall(r"^\+\+\+ (\S+)", patch, re.M)))
    return lines, files


def rank_key(reward: float | None, patch: str | None) -> tuple:
    """Higher is better: the reward row (applies < builds < tests pass < lint clean), then smaller diff, fewer files."""
    lines, files = diff_size(patch)
    return (-2.0 if reward is None else reward, -lines, -files)


def preference_pairs(tokenizer, tasks: list[dict], candidates: dict[str, list[str]], workdir: Path,
                     engine=None, seed: int = 0) -> tuple[list[dict], dict[str, Any]]:
    """Each task's best-ranked candidate against every strictly worse one.  Returns (pairs, stats)."""
    from harness.rewards.engine import default_engine
    from harness.rewards.parse import parse_completion

    engine = engine or default_engine()
    rng = random.Random(seed)
    pairs, ties = [], 0
    for task in tasks:
        options = candidates.get(task["instance_id"]) or []
        if len(options) < 2:
            continue
        tree = snapshot(task, workdir / "snapshots")
        spec = json.dumps(gauntlet_task(task, tree))
        rewards = engine.score(options, [spec] * len(options))
        keyed = sorted(((rank_key(r.value if r else None, parse_completion(c, "patch").artefact), c)
                        for r, c in zip(rewards, options, strict=False)), key=lambda kc: kc[0], reverse=True)
        best_key, best = keyed[0]
        prompt = render(tokenizer, task_messages(task, tree, "ipo", rng), generation_prompt=True)
        for key, worse in keyed[1:]:
            if key == best_key:
                ties += 1
                continue
            pairs.append({"prompt": prompt, "chosen": best + (tokenizer.eos_token or ""),
                          "rejected": worse + (tokenizer.eos_token or ""), "instance_id": task["instance_id"],
                          "chosen_key": list(best_key), "rejected_key": list(key)})
    return pairs, {"tasks": len(tasks), "pairs": len(pairs), "ties_dropped": ties}


def read_candidates(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n, row in enumerate(read_jsonl(path), 1):
        if "instance_id" not in row or not isinstance(row.get("completions"), list):
            raise DataError(f"{path}:{n}: a candidate row needs instance_id and a completions list")
        out.setdefault(row["instance_id"], []).extend(row["completions"])
    return out


def hashes(paths: Iterable[Path | None]) -> dict[str, str]:
    import hashlib

    out = {}
    for p in paths:
        if p and Path(p).is_file():
            out[str(p)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out
