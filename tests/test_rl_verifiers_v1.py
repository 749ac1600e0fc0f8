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

Needs GAUNTLET_VERIFIERS4_PYTHON (tests/verifiers4.py says how to make that venv).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from scripted_model import ScriptedModel  # noqa: E402
from verifiers4 import ROOT, script_of, side_python, vf_eval  # noqa: E402

EXAMPLE = ROOT / "examples" / "python" / "slugify"
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


def _reply(body: dict) -> dict | None:
    answer = SCRIPTS[script_of(body)][1]
    return None if answer is None else {"role": "assistant", "content": answer}


def _row(script: str) -> dict:
    return {"prompt": f"Fix the slugify bug; answer with a patch. [script: {script}]",
            "info": json.dumps({"gauntlet_task": SCRIPTS[script][0]})}


def test_vf_eval_scores_answers_like_the_reward_engine(tmp_path):
    v4, env = side_python("gauntlet_verifiers_rewards")
    from harness.plugins import get_plugin_manager
    from harness.rewards.engine import RewardEngine
    from harness.rewards.infra import INFRA_SENTINEL

    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    server = subprocess.Popen([sys.executable, "-m", "harness", "serve-rewards", "--port", "0", "--workers", "2"],
                              cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = tmp_path / "vf-out"
    try:
        line = server.stdout.readline()
        assert "serving rewards on" in line, server.stderr.read()[-2000:]
        url = re.search(r"(http://\S+)/get_reward", line).group(1)
        with ScriptedModel(_reply) as model:
            run, traces = vf_eval(v4, env, "gauntlet_verifiers_rewards", [_row(s) for s in SCRIPTS], out, "graded",
                                  model.url, "--env.taskset.task.rewards-url", url)
            seen = {name: sum(script_of(b) == name for b in model.requests) for name in SCRIPTS}
            # The reward server is gone: no reward, not a graded 0.0.
            with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
                dead = f"http://127.0.0.1:{closed.server_address[1]}"
            outage_run, outage = vf_eval(v4, env, "gauntlet_verifiers_rewards", [_row("wrong")], out, "outage",
                                         model.url, "--env.taskset.task.rewards-url", dead)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
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
