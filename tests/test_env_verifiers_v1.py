"""The verifiers 0.4 adapter (harness/env/adapters/verifiers_v1.py) driven by verifiers 0.4's own
evaluation entry point, ``vf-eval``, in its own virtual environment (verifiers 0.4 needs mcp 2 and
prime-* packages that this environment does not hold): verifiers loads the taskset, starts the tool
server, its interception server and its ``null`` harness program (a chat loop with the MCP tools),
and scores the traces.  What is real: ``gauntlet serve-env`` (a process of this environment), all
of verifiers.  The only fake is the model server: a local HTTP stub answering streamed chat
completions from a script chosen by the row's prompt (it stands in for vLLM): one fixes the task
through tool calls and submits, one idles (a look, then a final answer without submitting: the
adapter submits for it), one's model server fails (HTTP 400).

Needs GAUNTLET_VERIFIERS4_PYTHON: the Python of a virtual environment holding verifiers 0.4.0, uv
and pluggy (``python3.11 -m venv V && V/bin/pip install verifiers==0.4.0 uv pluggy``); the first run
also lets uv fetch the harness program's packages (openai, mcp, httpx) from PyPI into its cache.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
V4 = os.environ.get("GAUNTLET_VERIFIERS4_PYTHON", "")
_, FILE, GOOD, BUG, _, _ = BUGS["python"]


def _v4_python() -> str:
    """The side venv's Python: verifiers 0.4 and uv, with this checkout installed (``-e .``) as a user would."""
    hint = "python3.11 -m venv .venv-vf4 && .venv-vf4/bin/pip install verifiers==0.4.0 uv -e ."
    if not V4:
        pytest.skip(f"GAUNTLET_VERIFIERS4_PYTHON is not set (a venv made with: {hint})")
    if not Path(V4).exists():
        pytest.skip(f"GAUNTLET_VERIFIERS4_PYTHON={V4} does not exist")
    probe = subprocess.run([V4, "-c", "import importlib.metadata as m, verifiers.v1, gauntlet_verifiers_v1 as g; "
                                      "print(m.version('verifiers'), g.__file__)"],
                           capture_output=True, text=True, cwd="/", env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if probe.returncode != 0 or not probe.stdout.startswith("0.4."):
        pytest.skip(f"{V4} lacks verifiers 0.4 or Gauntlet ({hint}): {(probe.stdout + probe.stderr).strip()[-300:]}")
    if Path(probe.stdout.split()[1]).parent != ROOT:
        pytest.skip(f"{V4} has Gauntlet installed from another checkout ({probe.stdout.split()[1]})")
    return V4


def _call(name: str, args: dict) -> dict:
    return {"content": None, "tool_calls": [{"id": f"call-{name}", "name": name, "arguments": json.dumps(args)}]}


SCRIPTS = {  # script -> the assistant message of each turn (None: the model server fails)
    "fixer": [_call("search", {"pattern": BUG, "path": "slugify"}),
              _call("edit", {"path": FILE, "old": BUG, "new": GOOD}),
              _call("submit", {})],
    "idler": [_call("list_files", {}), {"content": "I looked; nothing to do.", "tool_calls": []}],
    "broken": [_call("search", {"pattern": BUG}), None],
}
SEEN: dict[str, list[dict]] = {name: [] for name in SCRIPTS}  # the requests each script answered


class ScriptedModel(BaseHTTPRequestHandler):
    """POST /v1/chat/completions, streamed as the harness program asks: the script named in the first
    user turn, its next turn counted from the assistant messages sent."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        first_user = next(m for m in body["messages"] if m["role"] == "user")
        text = first_user["content"] if isinstance(first_user["content"], str) else json.dumps(first_user["content"])
        script = re.search(r"\[script: (\w+)\]", text).group(1)
        SEEN[script].append(body)
        turn = sum(m["role"] == "assistant" for m in body["messages"])
        message = SCRIPTS[script][turn]
        if message is None:
            return self._send(400, "application/json", json.dumps(
                {"error": {"message": "the scripted model broke", "type": "invalid_request_error"}}).encode())
        calls = [{"index": i, "id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                 for i, c in enumerate(message["tool_calls"])]
        head = {"id": f"cmpl-{turn}", "object": "chat.completion.chunk", "created": 0, "model": body["model"]}
        delta = {"role": "assistant", "content": message["content"], **({"tool_calls": calls} if calls else {})}
        chunks = [{**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                  {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if calls else "stop"}]},
                  {**head, "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}]
        if not body.get("stream"):
            full = {**head, "object": "chat.completion", "usage": chunks[2]["usage"], "choices": [
                {"index": 0, "message": {"role": "assistant", "content": message["content"],
                                         **({"tool_calls": [{k: v for k, v in c.items() if k != "index"} for c in calls]}
                                            if calls else {})},
                 "finish_reason": chunks[1]["choices"][0]["finish_reason"]}]}
            return self._send(200, "application/json", json.dumps(full).encode())
        sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        self._send(200, "text/event-stream", sse.encode())

    def _send(self, status: int, kind: str, out: bytes):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def _serve_env(tmp_path: Path, traj: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "harness", "serve-env", "--port", "0", "--trajectories", str(traj)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, json.loads(proc.stdout.readline())["url"]


# What verifiers' own reader makes of the run: its trace records, typed, and its `Trace.reward`.
READ_TRACES = """
import json, sys
from pathlib import Path
from verifiers.v1 import State, Trace, WireTaskData
from verifiers.v1.configs.agent import WireAgentConfig
from verifiers.v1.utils.trace_store import read_episodes
for episode in read_episodes(Path(sys.argv[1]), Trace[WireTaskData, State, WireAgentConfig]):
    for t in episode.traces:
        print(json.dumps({"prompt": t.task.data.prompt_text, "reward": t.reward, "ok": t.ok,
                          "rewards": {k: None if r is None else r.score for k, r in t.rewards.items()},
                          "metrics": t.metrics, "info": t.info, "stop": t.stop_condition,
                          "errors": [e.message for e in t.errors], "episode_ok": episode.ok,
                          "messages": [m.model_dump(mode="json") for m in t.messages]}))
"""


def test_vf_eval_runs_gauntlet_episodes_graded_like_the_reward_engine(tmp_path):
    v4 = _v4_python()
    from harness.rewards.engine import RewardEngine

    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"prompt": f"Fix the bug. [script: {name}]", "info": json.dumps({"gauntlet_task": task}),
                                        "options": {"max_steps": 10}}) + "\n" for name in SCRIPTS))
    traj = tmp_path / "traj.jsonl"
    server, url = _serve_env(tmp_path, traj)
    model = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModel)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    out = tmp_path / "vf-out"
    bin_dir = str(Path(v4).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"], "SCRIPTED_MODEL_KEY": "none"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)  # the installed id module, as `vf-eval gauntlet_verifiers_v1` finds it
    try:
        run = subprocess.run([v4, "-c", "from verifiers.v1.cli.eval.main import main; main()", "gauntlet_verifiers_v1",
                              "--env.taskset.dataset", str(rows), "--env.taskset.task.env-url", url,
                              "--model", "scripted", "--client.base-url", f"http://127.0.0.1:{model.server_address[1]}/v1",
                              "--client.api-key-var", "SCRIPTED_MODEL_KEY", "--no-push", "--no-rich",
                              "-o", str(out), "--run.name", "gauntlet", "-n", "3", "-c", "3"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    finally:
        model.shutdown()
        model.server_close()
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert run.returncode == 0, run.stderr[-4000:]
    read = subprocess.run([v4, "-c", READ_TRACES, str(out / "gauntlet")], env=env, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr[-2000:]
    traces = {re.search(r"\[script: (\w+)\]", t["prompt"]).group(1): t for t in map(json.loads, read.stdout.splitlines())}
    assert set(traces) == set(SCRIPTS), run.stderr[-3000:]

    # The model saw Gauntlet's tools (bare names, their own schemas) and the first observation in its prompt.
    request = SEEN["fixer"][0]
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
    assert len(SEEN["fixer"]) == 3  # the @stop ended the rollout at submit: no fourth model call
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
