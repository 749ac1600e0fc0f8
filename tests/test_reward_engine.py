"""The reward engine and its adapters: parsing, the table, cache, TRL / verl shapes, the HTTP server."""

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.rewards.engine import EngineOptions, RewardEngine
from harness.rewards.parse import parse_completion

DOUBLE = {"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"]}
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "python" / "slugify"


def fence(code: str) -> str:
    return f"Here you go:\n```python\n{code}\n```\n"


def harmony(tool: str, args: str) -> str:
    return f"<|start|>assistant<|channel|>commentary to=functions.{tool} <|constrain|>json<|message|>{args}<|call|>"


@pytest.fixture(scope="module")
def engine():
    e = RewardEngine(EngineOptions(workers=4))
    yield e
    e.close()


def test_parse_decisions():
    assert parse_completion(fence("x = 1"), "code").artefact == "x = 1\n"
    p = parse_completion(harmony("apply_patch", json.dumps({"patch": "diff --git a/x b/x\n"})), "patch")
    assert (p.kind, p.source, p.artefact) == ("patch", "tool_call", "diff --git a/x b/x\n")
    assert "not valid JSON" in parse_completion(harmony("apply_patch", '{"patch": "di'), "patch").error
    assert "none of the fields" in parse_completion(harmony("apply_patch", '{"file": "x"}'), "patch").error
    assert parse_completion("```diff\n--- a/x\n+++ b/x\n```", "patch").source == "fence"
    assert parse_completion("just words", "code").error.startswith("no code found")
    call = '{"name": "submit", "arguments": {"code": "print(1)"}}'
    assert parse_completion(call, "code").artefact == "print(1)"


def test_solution_rows_of_the_table_and_breakdown(engine):
    rewards = engine.score(
        [fence("print(int(input()) * 2)"), fence("print(int(input()) + 3)"), fence("print(int(input(2)"), "no code at all",
         harmony("submit", '{"code": "print(int(input()) * 2)"}'), harmony("submit", '{"code": "pri')],
        [DOUBLE] * 6,
    )
    assert [r.value for r in rewards] == [1.0, 0.1, -0.3, -1.0, 1.0, -1.0]
    assert rewards[1].breakdown["verdict"] == "wrong_answer" and rewards[1].breakdown["parse"]["source"] == "fence"
    assert rewards[4].breakdown["parse"]["source"] == "tool_call"


def test_solution_task_picks_its_checker(engine):
    """LiveCodeBench's stdin mock is not iterable; a task may ask for a real stdin instead."""
    code = fence("import sys\nprint(sum(int(x) for line in sys.stdin for x in line.split()) * 2)")
    lcb, real = engine.score([code, code], [DOUBLE, {**DOUBLE, "checker": "real-stdin"}])
    assert (lcb.value, lcb.breakdown["verdict"], real.value) == (0.1, "runtime_error", 1.0)


def test_humaneval_shaped_task_and_non_gauntlet_rows(engine):
    task = {"kind": "solution", "prompt": "def add(a, b):\n", "test": "def check(f):\n    assert f(2, 3) == 5\n",
            "entry_point": "add"}
    assert [None if r is None else r.value for r in engine.score([fence("    return a + b"), "x"], [task, None])] == [1.0, None]


def test_hostile_solution_gets_a_verdict_and_the_engine_keeps_serving(engine):
    [r] = engine.score([fence("while True:\n    pass")], [{**DOUBLE, "timeout": 1}])
    assert r.value == 0.1 and r.breakdown["verdict"] == "timeout"
    assert engine.score([fence("print(int(input()) * 2)")], [DOUBLE])[0].value == 1.0


def test_identical_completions_run_once(engine):
    code = fence("import sys\nprint(int(input()) * 2)  # unique-7")
    before = engine.hits
    rewards = engine.score([code] * 8, [DOUBLE] * 8)
    assert {r.value for r in rewards} == {1.0}
    assert engine.hits - before == 7 and sum(not r.breakdown["cached"] for r in rewards) == 1


def test_repository_task_and_test_edit_guard(engine):
    from harness.plugins import get_plugin_manager

    if "python" not in get_plugin_manager().languages():
        pytest.skip(reason="gauntlet-python is not installed (pip install -e plugins/python)")
    task = {"kind": "repository", "repo": str(EXAMPLE), "language": "python"}
    fix = (EXAMPLE / "fix.diff").read_text()
    hack = "diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+x = 1\n"
    good, hacked = engine.score([f"```diff\n{fix}```", f"```diff\n{fix}{hack}```"], [task, task])
    assert good.value == 1.0
    assert (hacked.value, hacked.row, hacked.breakdown["test_edits"]) == (-0.3, "test edits rejected", ["conftest.py"])


def test_trl_function_shape_and_log_metric():
    from harness.rewards.trl import gauntlet_reward_func, gauntlet_reward_func_async

    logged = {}
    out = gauntlet_reward_func(
        prompts=["p1", "p2", "p3"],
        completions=[[{"role": "assistant", "content": fence("print(int(input()) * 2)")}], fence("print(0)"), "x"],
        gauntlet_task=[json.dumps(DOUBLE), DOUBLE, None],
        log_metric=lambda k, v: logged.__setitem__(k, v),
    )
    assert out == [1.0, 0.1, None]
    assert logged["gauntlet/tests pass and lint clean"] == 0.5
    import asyncio

    assert asyncio.run(gauntlet_reward_func_async(completions=[fence("print(0)")], gauntlet_task=[DOUBLE])) == [0.1]


def test_verl_compute_score_contract():
    from harness.rewards.verl import compute_score, compute_score_batch

    r = compute_score("gauntlet/lcb", fence("print(int(input()) * 2)"), json.dumps(DOUBLE), extra_info={"index": 0})
    assert r["score"] == 1.0 and r["gauntlet_row"] == "tests pass and lint clean"
    batch = compute_score_batch(["a", "b"], [fence("print(1)"), "nothing"], [DOUBLE, DOUBLE], [None, None])
    assert [b["score"] for b in batch] == [0.1, -1.0]
    # not a Gauntlet row: verl's own default scorer decides (tests/test_rl_verl.py), which knows no "x"
    with pytest.raises((NotImplementedError, ImportError)):
        compute_score("x", "y", "not a task")


def test_http_server_speaks_openrlhf():
    from harness.rewards.server import serve

    server = serve("127.0.0.1", 0, RewardEngine(EngineOptions(workers=2)))
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert json.load(urllib.request.urlopen(base + "/health", timeout=10))["status"] == "ok"
        prompt = "Double the number.\n"
        body = {"query": [prompt + fence("print(int(input()) * 2)"), prompt + "no idea"], "prompts": [prompt, prompt],
                "labels": [json.dumps(DOUBLE), json.dumps(DOUBLE)]}
        req = urllib.request.Request(base + "/get_reward", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        doc = json.load(urllib.request.urlopen(req, timeout=60))
        assert doc["rewards"] == doc["scores"] == [1.0, -1.0] and doc["extra_logs"]["gauntlet_pass"] == [1.0, 0.0]
        bad = urllib.request.Request(base + "/get_reward", data=b'{"query": ["a"]}')
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(bad, timeout=10)
        assert e.value.code == 400
    finally:
        server.shutdown()
        server.server_close()
