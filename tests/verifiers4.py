"""Running verifiers 0.4's own ``vf-eval`` from a test.  verifiers 0.4 pins mcp 2 and prime-*
packages that the main environment does not hold, so it lives in a venv of its own, named by
GAUNTLET_VERIFIERS4_PYTHON, with this checkout installed there as a user installs it (which also
installs the top-level id modules that ``vf-eval`` loads):

    python3.11 -m venv .venv-vf4 && .venv-vf4/bin/pip install verifiers==0.4.0 uv -e ".[env,test]" -e plugins/python

Rows name their script in the prompt (``[script: NAME]``); the scripted model answers by it, and the
traces come back keyed by it.  The first run lets uv fetch the ``null`` harness program's packages
(openai, mcp, httpx) from PyPI into its cache.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HINT = 'python3.11 -m venv .venv-vf4 && .venv-vf4/bin/pip install verifiers==0.4.0 uv -e ".[env,test]" -e plugins/python'

# What verifiers' own reader makes of a run: its trace records, typed, and its `Trace.reward`.
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


def side_python(module: str) -> tuple[str, dict[str, str]]:
    """The side venv's Python and the environment to run it in; skips unless it holds verifiers 0.4 and
    this checkout's Gauntlet with the id module ``module``."""
    python = os.environ.get("GAUNTLET_VERIFIERS4_PYTHON", "")
    if not python:
        pytest.skip(reason=f"GAUNTLET_VERIFIERS4_PYTHON is not set (a venv made with: {HINT})")
    if not Path(python).exists():
        pytest.skip(reason=f"GAUNTLET_VERIFIERS4_PYTHON={python} does not exist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}  # the installed modules
    probe = subprocess.run([python, "-c", f"import importlib.metadata as m, verifiers.v1, {module} as g; "
                                          "print(m.version('verifiers'), g.__file__)"],
                           capture_output=True, text=True, cwd="/", env=env)
    if probe.returncode != 0 or not probe.stdout.startswith("0.4."):
        pytest.skip(reason=f"{python} lacks verifiers 0.4 or Gauntlet's {module} ({HINT}): "
                    f"{(probe.stdout + probe.stderr).strip()[-300:]}")
    if Path(probe.stdout.split()[1]).parent != ROOT:
        pytest.skip(reason=f"{python} has Gauntlet installed from another checkout ({probe.stdout.split()[1]})")
    env["PATH"] = str(Path(python).parent) + os.pathsep + env["PATH"]  # its uv
    return python, env


def script_of(body: dict) -> str:
    """The script a chat-completions request belongs to: named in its first user turn."""
    first = next(m for m in body["messages"] if m["role"] == "user")
    text = first["content"] if isinstance(first["content"], str) else json.dumps(first["content"])
    return re.search(r"\[script: (\w+)\]", text).group(1)


def vf_eval(python: str, env: dict[str, str], module: str, rows: list[dict], out: Path, name: str, model_url: str,
            *args: str) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """``vf-eval MODULE`` over ``rows`` (all at once) with the scripted model: its run, and the traces by script."""
    data = out / f"{name}.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = subprocess.run([python, "-c", "from verifiers.v1.cli.eval.main import main; main()", module,
                          "--env.taskset.dataset", str(data), *args, "--model", "scripted", "--client.base-url", model_url,
                          "--client.api-key-var", "SCRIPTED_MODEL_KEY", "--no-push", "--no-rich",
                          "-o", str(out), "--run.name", name, "-n", str(len(rows)), "-c", str(len(rows))],
                         cwd=out, env={**env, "SCRIPTED_MODEL_KEY": "none"}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    read = subprocess.run([python, "-c", READ_TRACES, str(out / name)], env=env, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr[-2000:]
    traces = {re.search(r"\[script: (\w+)\]", t["prompt"]).group(1): t for t in map(json.loads, read.stdout.splitlines())}
    return run, traces
