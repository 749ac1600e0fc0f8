"""The verifiers multi-turn adapter driven by verifiers' own ``evaluate`` (0.3's ``MultiTurnEnv``) with
a real ``openai.AsyncOpenAI`` client.  The only fake is the model server: a local HTTP stub answering
chat completions from a script (it stands in for vLLM), one script that fixes the task and submits,
one that makes a useless edit and submits, one that never submits (the episode's budget ends it), one
whose server fails mid-rollout."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy  # noqa: E402
from scripted_model import ScriptedModel, tool_call, turn  # noqa: E402

pytest.importorskip("verifiers", reason="verifiers is not installed (pip install 'verifiers<0.4')")
pytest.importorskip("datasets", reason="datasets is not installed")

_, FILE, GOOD, BUG, _, _ = BUGS["python"]


SCRIPTS = {  # model name -> the assistant message of each turn
    "fixer": [tool_call("search", {"pattern": BUG, "path": "slugify"}),
              {"role": "assistant", "content": "Fixing it.\n<tool_call>" + json.dumps(  # a call in the text
                  {"name": "edit", "arguments": {"path": FILE, "old": BUG, "new": GOOD}}) + "</tool_call>"},
              tool_call("submit", {})],
    "idler": [tool_call("edit", {"path": FILE, "old": BUG, "new": BUG + "  # looked at"}), tool_call("submit", {})],
    "wanderer": [tool_call("list_files", {})] * 3,  # never submits: the step budget (3) ends and grades it
    "broken": [tool_call("search", {"pattern": BUG}), None],  # None: the server fails (HTTP 400)
}


def test_verifiers_evaluate_runs_episodes_graded_like_the_reward_engine(tmp_path):
    from datasets import Dataset
    from openai import AsyncOpenAI
    from verifiers.clients import OpenAIChatCompletionsClient

    from harness.env.adapters.verifiers_env import load_environment
    from harness.rewards.engine import RewardEngine

    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    rows = [{"prompt": [{"role": "user", "content": "Fix the bug."}], "info": json.dumps({"gauntlet_task": task})}]
    env = load_environment(dataset=Dataset.from_list(rows), max_steps=3, trajectory=str(tmp_path / "traj.jsonl"))
    with ScriptedModel(lambda body: SCRIPTS[body["model"]][turn(body)]) as model:  # the script is the model's name
        client = OpenAIChatCompletionsClient(AsyncOpenAI(base_url=model.url, api_key="none"))
        runs = {name: asyncio.run(env.evaluate(client, name, num_examples=1, state_columns=["gauntlet_result"],
                                               on_progress=[]))["outputs"][0]
                for name in SCRIPTS}
    assert all({t["function"]["name"] for t in body["tools"]} >= {"edit", "submit"} for body in model.requests)

    broken = runs.pop("broken")  # the model failed mid-rollout: no grade, the sentinel, the episode still closed
    assert broken["error"] is not None and broken["gauntlet_result"] is None
    assert broken["reward"] == 0.0 and broken["metrics"]["gauntlet_infra_error"] == 1.0
    engine = RewardEngine()
    for model, out in runs.items():
        result = out["gauntlet_result"]
        assert out["error"] is None and out["stop_condition"] == "has_final_env_response", out
        assert out["reward"] == result["reward"]["value"] and out["metrics"]["gauntlet_infra_error"] == 0.0
        outside = engine.score_one(json.dumps({"name": "apply_patch", "arguments": {"patch": result["diff"]}}), task)
        assert (out["reward"], result["reward"]["row"]) == (outside.value, outside.row), model
    fixed, idle, lost = runs["fixer"], runs["idler"], runs["wanderer"]
    assert "step budget of 3 calls used" in lost["completion"][-1]["content"] and not lost["metrics"]["gauntlet_resolved"]
    assert fixed["reward"] == 1.0 and fixed["metrics"]["gauntlet_resolved"] == 1.0
    assert fixed["metrics"]["gauntlet_format_accuracy"] == 1.0
    tool_texts = [m["content"] for m in fixed["completion"] if m["role"] in ("tool", "user")]
    assert FILE in tool_texts[0] and tool_texts[1].startswith("edited") and "submitted" in tool_texts[2]
    assert idle["reward"] < 1.0 and idle["metrics"]["gauntlet_resolved"] == 0.0
    assert idle["gauntlet_result"]["reward"]["row"] == "builds, tests fail"
    records = [json.loads(line) for line in (tmp_path / "traj.jsonl").read_text().splitlines()]
    assert len(records) == 4  # every episode was closed (each writes its trajectory at close), the broken one too
