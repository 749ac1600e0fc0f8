"""The verifiers 0.4 adapter (harness/env/adapters/verifiers_v1.py) driven by verifiers 0.4's own
evaluation entry point, ``vf-eval``, in its own virtual environment (verifiers 0.4 needs mcp 2 and
prime-* packages that this environment does not hold): verifiers loads the taskset, starts the tool
server, its interception server and its ``null`` harness program (a chat loop with the MCP tools),
and scores the traces.  What is real: ``gauntlet serve-env`` (a process of this environment), all
of verifiers.  The only fake is the model server: a local HTTP stub answering streamed chat
completions from a script chosen by the row's prompt (it stands in for vLLM): one fixes the task
through tool calls and submits, one idles (a look, then a final answer without submitting: the
adapter submits for it), one's model server fails (HTTP 400).

Needs GAUNTLET_VERIFIERS4_PYTHON (tests/verifiers4.py says how to make that venv).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy  # noqa: E402
from scripted_model import ScriptedModel, tool_call, turn  # noqa: E402
from verifiers4 import ROOT, script_of, side_python, vf_eval  # noqa: E402

_, FILE, GOOD, BUG, _, _ = BUGS["python"]
SCRIPTS = {  # script -> the assistant message of each turn (None: the model server fails)
    "fixer": [tool_call("search", {"pattern": BUG, "path": "slugify"}),
              tool_call("edit", {"path": FILE, "old": BUG, "new": GOOD}),
              tool_call("submit", {})],
    "idler": [tool_call("list_files", {}), {"role": "assistant", "content": "I looked; nothing to do."}],
    "broken": [tool_call("search", {"pattern": BUG}), None],
}


def _serve_env(tmp_path: Path, traj: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "harness", "serve-env", "--port", "0", "--trajectories", str(traj)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, json.loads(proc.stdout.readline())["url"]


def test_vf_eval_runs_gauntlet_episodes_graded_like_the_reward_engine(tmp_path):
    v4, env = side_python("gauntlet_verifiers_v1")
    from harness.rewards.engine import RewardEngine

    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    traj = tmp_path / "traj.jsonl"
    server, url = _serve_env(tmp_path, traj)
    try:
        with ScriptedModel(lambda body: SCRIPTS[script_of(body)][turn(body)]) as model:
            rows = [{"prompt": f"Fix the bug. [script: {name}]", "info": json.dumps({"gauntlet_task": task}),
                     "options": {"max_steps": 10}} for name in SCRIPTS]
            run, traces = vf_eval(v4, env, "gauntlet_verifiers_v1", rows, tmp_path / "vf-out", "gauntlet", model.url,
                                  "--env.taskset.task.env-url", url)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert set(traces) == set(SCRIPTS), run.stderr[-3000:]
    seen = {name: [b for b in model.requests if script_of(b) == name] for name in SCRIPTS}

    # The model saw Gauntlet's tools (bare names, their own schemas) and the first observation in its prompt.
    request = seen["fixer"][0]
    tools = {t["function"]["name"]: t["function"] for t in request["tools"]}
    assert set(tools) == {"list_files", "read_file", "search", "edit", "apply_patch", "build", "run_tests", "lint",
                          "git_diff", "submit"}
    assert tools["edit"]["parameters"]["required"] == ["path", "old", "new"]
    prompt = next(m["content"] for m in request["messages"] if m["role"] == "user")
    assert prompt.startswith("Fix the bug. [script: fixer]") and FILE in prompt and "Call submit when done." in prompt
    assert any(m["role"] == "system" and "call submit" in m["content"] for m in request["messages"])

    engine = RewardEngine()
    for name in ("fixer", "idler"):
        t = traces[name]
        grade = t["info"]["gauntlet"]
        assert t["ok"] and t["errors"] == [] and t["episode_ok"], (name, t["errors"])
        outside = engine.score_one(json.dumps({"name": "apply_patch", "arguments": {"patch": grade["diff"]}}), task)
        assert t["reward"] == t["rewards"]["gauntlet_reward"] == outside.value, (name, grade["reward"], outside)
        assert grade["reward"]["row"] == outside.row and grade["submitted"]
        assert t["metrics"]["gauntlet_infra_error"] == 0.0
    fixed, idle, broken = traces["fixer"], traces["idler"], traces["broken"]
    assert fixed["reward"] == 1.0 and fixed["metrics"]["gauntlet_resolved"] == 1.0
    assert fixed["metrics"]["gauntlet_format_accuracy"] == 1.0 and fixed["stop"] == "episode_over"
    assert len(seen["fixer"]) == 3  # the @stop ended the rollout at submit: no fourth model call
    tool_texts = [m["content"] for m in fixed["messages"] if m["role"] == "tool"]
    assert FILE in tool_texts[0] and tool_texts[1].startswith("edited") and "submitted" in tool_texts[2]
    empty = engine.score_one(json.dumps({"name": "apply_patch", "arguments": {"patch": ""}}), task)
    assert idle["info"]["gauntlet"]["diff"] == "" and idle["reward"] == empty.value and empty.value < 1.0
    assert idle["metrics"]["gauntlet_resolved"] == 0.0 and idle["stop"] == "agent_completed"  # no submit: graded at the end
    assert idle["info"]["gauntlet"]["metrics"]["calls"] == 1  # the model's one look; the grading is not its call
    # The model server failed: verifiers' failed trace (no reward), the sentinel, the metric, the loud log line.
    assert not broken["ok"] and not broken["episode_ok"] and "scripted model broke" in " ".join(broken["errors"])
    assert broken["rewards"].get("gauntlet_reward") is None and broken["reward"] == 0.0  # harness.rewards.infra.INFRA_SENTINEL
    assert broken["metrics"]["gauntlet_infra_error"] == 1.0
    assert "INFRASTRUCTURE FAILURE" in run.stderr
    records = [json.loads(line) for line in traj.read_text().splitlines()]
    assert len(records) == 3 and sorted(r["submitted"] for r in records) == [False, True, True]  # every episode closed
