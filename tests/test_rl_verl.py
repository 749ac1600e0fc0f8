"""Gauntlet's reward through verl's own reward managers (verl from PyPI, CPU, tokenizer built here).

verl loads ``harness.rewards.verl`` the way a run does (``pkg://`` or a file path, with
``reward_kwargs``), and its managers decode the responses, call the function and fill the reward
tensor: the reward-loop ``naive`` / ``dapo`` managers and the legacy ``naive`` / ``batch`` /
``prime`` ones.  Each batch mixes Gauntlet rows with a gsm8k row that verl's default scorer grades.
"""

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

for module in ("verl", "torch", "tokenizers", "transformers", "omegaconf", "datasets"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'gauntlet-harness[train,rl-envs]'; "
                                       "pip install --no-deps verl==0.9.1 tensordict==0.10.0)")

import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from harness.rewards import infra  # noqa: E402

DOUBLE = {"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"], "fn_name": None}
ADD = {"kind": "solution", "prompt": "def add(a, b):\n", "entry_point": "add",
       "test": "def check(f):\n    assert f(2, 3) == 5\n"}
GOOD = "```python\nprint(int(input()) * 2)\n```"
HARMONY = ('<|start|>assistant<|channel|>commentary to=functions.submit <|constrain|>json<|message|>'
           + json.dumps({"code": "print(int(input()) * 2)"}) + "<|call|>")
VERL_FILE = Path(__file__).resolve().parents[1] / "harness" / "rewards" / "verl.py"

# (data_source, prompt, response, ground_truth, extra_info, expected score)
ROWS = [
    ("gauntlet/lcb", "Double the number.", GOOD, json.dumps(DOUBLE), {}, 1.0),
    ("gauntlet/lcb", "Double the number.", "no code at all", json.dumps(DOUBLE), {}, -1.0),
    ("openai/gsm8k", "What is 8 * 9?", "8 * 9 = 72\n#### 72", "72", {}, 1.0),
    ("gauntlet/humaneval", "Write add(a, b).", "```python\ndef add(a, b):\n    return a - b\n```", "", {"gauntlet_task": ADD}, 0.1),
    # a Harmony submit call: the manager decodes with skip_special_tokens=True
    ("gauntlet/lcb", "Double the number.", HARMONY, json.dumps(DOUBLE), {}, 1.0),
]
KEYS = {"score", "acc", "gauntlet_row", "gauntlet_infra_error"}


@pytest.fixture(scope="module")
def tokenizer():
    from trainers.tiny import build_tokenizer

    tok = build_tokenizer([r[1] for r in ROWS] + [r[2] for r in ROWS])
    tok.add_special_tokens({"additional_special_tokens": ["<|start|>", "<|channel|>", "<|constrain|>", "<|message|>",
                                                          "<|call|>"]})
    return tok


def batch(tokenizer, rows=ROWS):
    """The DataProto a rollout hands to the reward step: left-padded prompts, right-padded responses."""
    from verl import DataProto

    prompts = [tokenizer.encode(r[1]) for r in rows]
    responses = [tokenizer.encode(r[2]) + [tokenizer.eos_token_id] for r in rows]
    p_len, r_len = max(map(len, prompts)), max(map(len, responses))
    pad = tokenizer.pad_token_id
    p = torch.tensor([[pad] * (p_len - len(x)) + x for x in prompts])
    r = torch.tensor([x + [pad] * (r_len - len(x)) for x in responses])
    mask = torch.tensor([[0] * (p_len - len(a)) + [1] * len(a) + [1] * len(b) + [0] * (r_len - len(b))
                         for a, b in zip(prompts, responses, strict=True)])
    return DataProto.from_dict(
        tensors={"prompts": p, "responses": r, "input_ids": torch.cat([p, r], 1), "attention_mask": mask},
        non_tensors={"data_source": np.array([r[0] for r in rows], dtype=object),
                     "reward_model": np.array([{"ground_truth": r[3], "style": "rule"} for r in rows], dtype=object),
                     "extra_info": np.array([dict(r[4]) for r in rows], dtype=object)})


def config(path="pkg://harness.rewards.verl", name="compute_score", manager="naive"):
    return OmegaConf.create({"reward": {
        "custom_reward_function": {"path": path, "name": name, "reward_kwargs": {"from_config": 1}},
        "reward_manager": {"source": "register", "name": manager},
        "reward_kwargs": {}, "sandbox_fusion": None}})


def last_token_rewards(reward_tensor, data):
    length = data.batch["attention_mask"][:, data.batch["prompts"].shape[-1]:].sum(-1)
    return [float(reward_tensor[i, length[i] - 1]) for i in range(len(data))]


@pytest.mark.parametrize("manager,name", [("naive", "compute_score"), ("dapo", "compute_score_async")])
def test_reward_loop_managers(tokenizer, manager, name):
    """verl 0.7+'s reward loop: pkg:// loading, reward_kwargs merged in, and the arguments a reward
    model adds (``reward_router_address``, ``reward_model_tokenizer``); the extra keys are the same
    on every row, as verl stacks them."""
    from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager

    cfg = config(name=name, manager=manager)
    rm = load_reward_manager(cfg, tokenizer)
    data = batch(tokenizer)
    outs = [rm.loop.run_until_complete(rm.run_single(data[i:i + 1])) for i in range(len(data))]
    assert [o["reward_score"] for o in outs] == pytest.approx([r[5] for r in ROWS])
    assert all(set(o["reward_extra_info"]) >= KEYS for o in outs)
    assert len({frozenset(o["reward_extra_info"]) for o in outs}) == 1
    # with a reward model enabled the manager passes its router and tokenizer along
    cls = type(rm)
    with_rm = cls(cfg, tokenizer, get_custom_reward_fn(cfg), reward_router_address="127.0.0.1:1",
                  reward_model_tokenizer=tokenizer)
    out = with_rm.loop.run_until_complete(with_rm.run_single(data[0:1]))
    assert out["reward_score"] == 1.0


def test_legacy_naive_manager_loaded_by_file_path(tokenizer):
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import get_reward_manager_cls

    fn = get_custom_reward_fn(config(path=str(VERL_FILE)))
    rm = get_reward_manager_cls("naive")(tokenizer, num_examine=0, compute_score=fn)
    data = batch(tokenizer)
    out = rm(data, return_dict=True)
    assert last_token_rewards(out["reward_tensor"], data) == pytest.approx([r[5] for r in ROWS])
    assert out["reward_extra_info"]["gauntlet_infra_error"] == [0.0] * len(ROWS)


def test_legacy_batch_manager(tokenizer):
    """The batch manager calls with ``data_sources=`` ... (numpy object arrays) and its own reward_kwargs."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import get_reward_manager_cls

    rm = get_reward_manager_cls("batch")(tokenizer, 0, get_custom_reward_fn(config()), manager_kwarg=2)
    data = batch(tokenizer)
    out = rm(data, return_dict=True)
    assert last_token_rewards(out["reward_tensor"], data) == pytest.approx([r[5] for r in ROWS])
    assert out["reward_extra_info"]["gauntlet_row"][0] == "tests pass and lint clean"


def test_legacy_prime_manager_process_pool(tokenizer):
    """prime: a process pool (the function must pickle even when loaded by file path), positional
    arguments, ``result[0]``; any error there became 0.0 for the whole batch."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import get_reward_manager_cls

    rows = ROWS[:3]
    rm = get_reward_manager_cls("prime")(tokenizer, 0, get_custom_reward_fn(config(path=str(VERL_FILE))))
    data = batch(tokenizer, rows)
    # prime decodes the whole padded response row: pad is a special token, skipped
    reward = rm(data)
    assert last_token_rewards(reward, data) == pytest.approx([r[5] for r in rows])
    assert data.batch["acc"].tolist() == pytest.approx([r[5] for r in rows])


def test_infra_failure_is_a_sentinel_with_a_metric(tokenizer, monkeypatch, caplog):
    """verl needs a float per row: an infrastructure failure is the documented sentinel, flagged in
    ``gauntlet_infra_error`` (reward_extra_info), logged and counted; never cached as a result."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager import get_reward_manager_cls

    from harness.benchmarks.executor import ExecutorError
    from harness.rewards.engine import default_engine

    engine = default_engine()

    def broken(*a, **k):
        raise ExecutorError("the executor's workers cannot start")

    monkeypatch.setattr(type(engine.executor), "run_tests", broken)
    rm = get_reward_manager_cls("naive")(tokenizer, 0, compute_score=get_custom_reward_fn(config()))
    rows = [("gauntlet/lcb", "Double the number.", "```python\nprint(int(input()) * 2)  # infra\n```",
             json.dumps(DOUBLE), {}, None)]
    before = infra.failures()
    with caplog.at_level("ERROR", logger="gauntlet.rewards"):
        out = rm(batch(tokenizer, rows), return_dict=True)
    assert out["reward_extra_info"]["score"] == [infra.INFRA_SENTINEL]
    assert out["reward_extra_info"]["gauntlet_infra_error"] == [1.0]
    assert infra.failures() == before + 1 and "INFRASTRUCTURE FAILURE" in caplog.text


def test_arrow_struct_task_column_through_verl(tokenizer):
    """A ``gauntlet_task`` stored as a dict in a datasets table is an Arrow struct: every row gets
    every key, None where it had none.  HumanEval- and LiveCodeBench-shaped rows still score."""
    from datasets import Dataset

    from harness.rewards.verl import compute_score, compute_score_async

    ds = Dataset.from_list([{"extra_info": {"gauntlet_task": ADD}}, {"extra_info": {"gauntlet_task": DOUBLE}}])
    a, b = ds[0]["extra_info"], ds[1]["extra_info"]
    assert a["gauntlet_task"]["inputs"] is None and b["gauntlet_task"]["test"] is None  # what Arrow did
    assert compute_score("gauntlet/humaneval", "```python\ndef add(a, b):\n    return a + b\n```", "", a)["score"] == 1.0
    assert asyncio.run(compute_score_async("gauntlet/lcb", GOOD, "", b, extra_kw=1))["score"] == 1.0
