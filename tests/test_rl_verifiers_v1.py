"""The verifiers 0.4 single-turn reward environment (harness/rewards/verifiers_v1.py) driven by
verifiers 0.4's own evaluation entry point, ``vf-eval``, in its own virtual environment: verifiers
loads the taskset, starts its interception server and its ``null`` harness program (a plain chat
loop), and scores the traces with the task's ``@vf.reward``.  What is real: ``gauntlet serve-rewards``
(a process of this environment, grading in its sandbox), all of verifiers.  The only fake is the model
server: a local HTTP stub answering chat completions from a script chosen by the row's prompt (it
stands in for vLLM).  One answer fixes the slugify example (examples/python/slugify), one is a wrong
patch, one row's model server fails (HTTP 400), one row's task the reward server cannot grade (a
language whose plugin it lacks: its "no reward" verdict); a second, one-row run has no reward server
at all.

Needs GAUNTLET_VERIFIERS4_PYTHON: the Python of a virtual environment holding verifiers 0.4.0 and uv
with this checkout installed (see tests/test_env_verifiers_v1.py), which installs the id module
``gauntlet_verifiers_rewards``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "python" / "slugify"
V4 = os.environ.get("GAUNTLET_VERIFIERS4_PYTHON", "")
TASK = {"kind": "repository", "repo": str(EXAMPLE), "language": "python"}
UNGRADABLE = {"kind": "solution", "language": "cobol", "inputs": ["1\n"], "outputs": ["1\n"]}  # no cobol plugin


def _answer(diff: str) -> str:
    return f"Here is the fix:\n```diff\n{(EXAMPLE / diff).read_text()}```\n"


SCRIPTS = {  # script -> (the task, the model's one answer; None: the model server fails)
    "fixer": (TASK, _answer("fix.diff")),
    "wrong": (TASK, _answer("failing.diff")),
    "broken": (TASK, None),
    "ungradable": (UNGRADABLE, "```python\nprint(input())\n```"),
}
SEEN: dict[str, int] = {}  # requests per script


def _v4_python() -> tuple[str, dict[str, str]]:
    """The side venv's Python (verifiers 0.4, uv, this checkout) and the environment to run it in."""
    hint = "python3.11 -m venv .venv-vf4 && .venv-vf4/bin/pip install verifiers==0.4.0 uv -e ."
    if not V4:
        pytest.skip(f"GAUNTLET_VERIFIERS4_PYTHON is not set (a venv made with: {hint})")
    if not Path(V4).exists():
        pytest.skip(f"GAUNTLET_VERIFIERS4_PYTHON={V4} does not exist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    probe = subprocess.run([V4, "-c", "import importlib.metadata as m, verifiers.v1, harness; "
                                      "print(m.version('verifiers'), harness.__file__)"],
                           capture_output=True, text=True, cwd="/", env=env)
    if probe.returncode != 0 or not probe.stdout.startswith("0.4."):
        pytest.skip(f"{V4} lacks verifiers 0.4 or Gauntlet ({hint}): {(probe.stdout + probe.stderr).strip()[-300:]}")
    if Path(probe.stdout.split()[1]).parents[1] != ROOT:
        pytest.skip(f"{V4} has Gauntlet installed from another checkout ({probe.stdout.split()[1]})")
    installed = subprocess.run([V4, "-c", "import gauntlet_verifiers_rewards"], capture_output=True, text=True, cwd="/", env=env)
    if installed.returncode != 0:
        pytest.skip(f"{V4}: the id module gauntlet_verifiers_rewards is not installed (reinstall: {hint}): "
                    f"{installed.stderr.strip()[-200:]}")
    env["PATH"] = str(Path(V4).parent) + os.pathsep + env["PATH"]
    return V4, env


class ScriptedModel(BaseHTTPRequestHandler):
    """POST /v1/chat/completions (streamed or not): the script named in the first user turn."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        first_user = next(m for m in body["messages"] if m["role"] == "user")
        text = first_user["content"] if isinstance(first_user["content"], str) else json.dumps(first_user["content"])
        script = re.search(r"\[script: (\w+)\]", text).group(1)
        SEEN[script] = SEEN.get(script, 0) + 1
        answer = SCRIPTS[script][1]
        if answer is None:
            return self._send(400, "application/json", json.dumps(
                {"error": {"message": "the scripted model broke", "type": "invalid_request_error"}}).encode())
        head = {"id": "cmpl-0", "created": 0, "model": body["model"]}
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        if not body.get("stream"):
            return self._send(200, "application/json", json.dumps({**head, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]}).encode())
        chunk = {**head, "object": "chat.completion.chunk"}
        chunks = [{**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": answer}, "finish_reason": None}]},
                  {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                  {**chunk, "choices": [], "usage": usage}]
        self._send(200, "text/event-stream", ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode())

    def _send(self, status: int, kind: str, out: bytes):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


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
                          "errors": [e.message for e in t.errors], "episode_ok": episode.ok}))
"""


def _vf_eval(v4: str, env: dict, tmp_path: Path, name: str, rows: list[dict], rewards_url: str, model_port: int):
    """``vf-eval gauntlet_verifiers_rewards`` over ``rows``: (its run, the traces by script)."""
    data = tmp_path / f"{name}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "vf-out"
    run = subprocess.run([v4, "-c", "from verifiers.v1.cli.eval.main import main; main()", "gauntlet_verifiers_rewards",
                          "--env.taskset.dataset", str(data), "--env.taskset.task.rewards-url", rewards_url,
                          "--model", "scripted", "--client.base-url", f"http://127.0.0.1:{model_port}/v1",
                          "--client.api-key-var", "SCRIPTED_MODEL_KEY", "--no-push", "--no-rich",
                          "-o", str(out), "--run.name", name, "-n", str(len(rows)), "-c", str(len(rows))],
                         cwd=tmp_path, env={**env, "SCRIPTED_MODEL_KEY": "none"}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    read = subprocess.run([v4, "-c", READ_TRACES, str(out / name)], env=env, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr[-2000:]
    traces = {re.search(r"\[script: (\w+)\]", t["prompt"]).group(1): t for t in map(json.loads, read.stdout.splitlines())}
    return run, traces


def _row(script: str) -> dict:
    return {"prompt": f"Fix the slugify bug; answer with a patch. [script: {script}]",
            "info": json.dumps({"gauntlet_task": SCRIPTS[script][0]})}


def test_vf_eval_scores_answers_like_the_reward_engine(tmp_path):
    v4, env = _v4_python()
    from harness.plugins import get_plugin_manager
    from harness.rewards.engine import RewardEngine
    from harness.rewards.infra import INFRA_SENTINEL

    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    server = subprocess.Popen([sys.executable, "-m", "harness", "serve-rewards", "--port", "0", "--workers", "2"],
                              cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    model = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModel)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        line = server.stdout.readline()
        assert "serving rewards on" in line, server.stderr.read()[-2000:]
        url = re.search(r"(http://\S+)/get_reward", line).group(1)
        run, traces = _vf_eval(v4, env, tmp_path, "graded", [_row(s) for s in SCRIPTS], url, model.server_address[1])
        seen = dict(SEEN)
        # The reward server is gone: no reward, not a graded 0.0.
        with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
            dead = f"http://127.0.0.1:{closed.server_address[1]}"
        outage_run, outage = _vf_eval(v4, env, tmp_path, "outage", [_row("wrong")], dead, model.server_address[1])
    finally:
        model.shutdown()
        model.server_close()
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    elapsed = time.monotonic() - started
    assert set(traces) == set(SCRIPTS), run.stderr[-3000:]

    engine = RewardEngine()
    try:
        fixed, wrong = (engine.score_one(SCRIPTS[s][1], TASK) for s in ("fixer", "wrong"))
    finally:
        engine.close()
    assert (fixed.value, wrong.value) == (1.0, 0.1), (fixed, wrong)
    for name, outside in (("fixer", fixed), ("wrong", wrong)):
        t = traces[name]
        assert t["ok"] and t["errors"] == [] and t["episode_ok"] and t["stop"] == "agent_completed", (name, t["errors"])
        assert t["reward"] == t["rewards"]["gauntlet_reward"] == outside.value, (name, t["info"], outside)
        assert t["info"]["gauntlet"]["row"] == outside.row
        assert t["metrics"]["gauntlet_infra_error"] == 0.0
    assert traces["fixer"]["metrics"]["gauntlet_resolved"] == 1.0 and traces["fixer"]["metrics"]["gauntlet_pass"] == 1.0
    assert traces["wrong"]["metrics"]["gauntlet_resolved"] == 0.0 and traces["wrong"]["metrics"]["gauntlet_tests_fail"] == 1.0
    assert seen["fixer"] == seen["wrong"] == 1  # single turn

    # No reward, three ways: verifiers' failed trace, the sentinel, the metric, the loud log line.
    broken, ungradable, gone = traces["broken"], traces["ungradable"], outage["wrong"]
    for t, why in ((broken, "scripted model broke"), (ungradable, "cobol plugin is not installed"),
                   (gone, "did not answer")):
        assert not t["ok"] and not t["episode_ok"] and why in " ".join(t["errors"]), t["errors"]
        assert t["rewards"].get("gauntlet_reward") is None and t["reward"] == INFRA_SENTINEL
        assert t["metrics"]["gauntlet_infra_error"] == 1.0
    assert "INFRASTRUCTURE FAILURE" in run.stderr and "INFRASTRUCTURE FAILURE" in outage_run.stderr
    assert run.stderr.count("INFRASTRUCTURE FAILURE") == 2, run.stderr[-3000:]
    print(f"two vf-eval runs and the reward server: {elapsed:.1f} s")
