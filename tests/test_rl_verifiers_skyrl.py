"""Gauntlet as a prime-rl ``verifiers`` environment and as a SkyRL ``skyrl_gym`` env, each driven by
the framework's own code from PyPI: verifiers loads the environment by module name and its
``Rubric`` scores rollouts; skyrl_gym's registry builds the env and its ``step`` gives the reward."""

import asyncio
import json

import pytest

DOUBLE = {"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"], "fn_name": None}
ADD = {"kind": "solution", "prompt": "def add(a, b):\n", "entry_point": "add",
       "test": "def check(f):\n    assert f(2, 3) == 5\n"}
GOOD = "```python\nprint(int(input()) * 2)\n```"


def _broken_executor(monkeypatch):
    from harness.benchmarks.executor import ExecutorError
    from harness.rewards.engine import default_engine

    def broken(*a, **k):
        raise ExecutorError("workers cannot start")

    monkeypatch.setattr(type(default_engine().executor), "run_tests", broken)


@pytest.fixture(scope="module")
def env():
    vf = pytest.importorskip("verifiers", reason="verifiers is not installed (pip install 'gauntlet-harness[rl-envs]')")
    from datasets import Dataset

    rows = [{"question": "Double the number.", "answer": json.dumps(DOUBLE)},
            {"question": "Write add(a, b).", "answer": json.dumps(ADD)}]
    return vf.load_environment("harness.rewards.verifiers_env", dataset=Dataset.from_list(rows))


def _state(env, i, completion):
    row = env.dataset[i]
    return {"prompt": row["prompt"], "completion": completion, "answer": row["answer"], "info": {}, "input": row,
            "task": None, "trajectory": []}


def test_verifiers_environment_scores_rollouts(env):
    import verifiers as vf

    assert isinstance(env, vf.SingleTurnEnv)
    states = [
        _state(env, 0, [{"role": "assistant", "content": GOOD}]),
        _state(env, 0, [{"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "submit", "arguments": json.dumps({"code": "print(0)"})}}]}]),
        _state(env, 1, [{"role": "assistant", "content": "```python\ndef add(a, b):\n    return a + b\n```"}]),
        _state(env, 1, "no code"),
    ]
    asyncio.run(env.rubric.score_group(states))
    assert [s["reward"] for s in states] == [1.0, 0.1, 1.0, -1.0]
    assert [s["metrics"]["gauntlet_infra_error"] for s in states] == [0.0] * 4
    single = _state(env, 0, [{"role": "assistant", "content": GOOD}])
    asyncio.run(env.rubric.score_rollout(single))
    assert single["reward"] == 1.0 and single["metrics"]["gauntlet_reward"] == 1.0


def test_verifiers_infra_failure_is_a_flagged_sentinel(env, monkeypatch):
    from harness.rewards import infra

    _broken_executor(monkeypatch)
    state = _state(env, 0, [{"role": "assistant", "content": GOOD.replace("* 2", "*2")}])
    asyncio.run(env.rubric.score_rollout(state))
    assert state["reward"] == infra.INFRA_SENTINEL and state["metrics"]["gauntlet_infra_error"] == 1.0


def test_skyrl_registered_env_steps():
    skyrl_gym = pytest.importorskip("skyrl_gym", reason="skyrl-gym is not installed (pip install 'gauntlet-harness[rl-envs]')")
    from harness.rewards.skyrl import register_env

    env_id = register_env()
    assert register_env() == env_id  # idempotent
    cases = [({"reward_spec": {"method": "rule", "ground_truth": json.dumps(DOUBLE)}}, GOOD, 1.0),
             ({"reward_spec": {"method": "rule", "ground_truth": json.dumps(DOUBLE)}}, "```python\nprint(1)\n```", 0.1),
             ({"reward_spec": {"method": "rule", "ground_truth": ADD}}, "```python\ndef add(a, b):\n    return a + b\n```", 1.0)]
    for extras, answer, want in cases:
        env = skyrl_gym.make(env_id, env_config={}, extras=extras)
        prompt, _ = env.init([{"role": "user", "content": "Solve it."}])
        out = env.step(answer)
        assert (out["reward"], out["done"], out["observations"]) == (want, True, [])
        assert env.get_metrics() == {"gauntlet_infra_error": 0.0}
        env.close()
    with pytest.raises(ValueError, match="Gauntlet task"):
        skyrl_gym.make(env_id, env_config={}, extras={"reward_spec": {"ground_truth": "72"}})


def test_skyrl_infra_failure_is_a_flagged_sentinel(monkeypatch):
    skyrl_gym = pytest.importorskip("skyrl_gym", reason="skyrl-gym is not installed (pip install 'gauntlet-harness[rl-envs]')")
    from harness.rewards import infra
    from harness.rewards.skyrl import register_env

    _broken_executor(monkeypatch)
    env = skyrl_gym.make(register_env(), env_config={}, extras={"reward_spec": {"ground_truth": json.dumps(DOUBLE)}})
    out = env.step(GOOD.replace("* 2", "*  2"))
    assert out["reward"] == infra.INFRA_SENTINEL and out["metadata"]["gauntlet_infra_error"] == 1.0
    assert skyrl_gym.envs.base_text_env.BaseTextEnv.aggregate_metrics([env.get_metrics()])["gauntlet_infra_error"] == 1.0
