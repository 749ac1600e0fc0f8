"""A real TRL GRPOTrainer run with Gauntlet's reward: tiny random Llama, tokenizer built here, LoRA, CPU.

The model is random, so its own text would never hold code.  Four answers are added to the
tokenizer as single tokens (a right and a wrong Python solution, a right and a wrong Go patch) and
the generation config biases sampling towards them, so every completion the trainer samples is
one of them, picked at random.  Everything after that is the real path: TRL calls
``gauntlet_reward_func`` with the dataset's ``gauntlet_task`` column, the engine runs the Python
solutions in the executor and the Go patches through the Go plugin in a sandbox, TRL logs the
rewards, and the breakdown terms arrive through TRL's ``log_metric``.
"""

import difflib
import json
import shutil

import pytest

for module in ("torch", "transformers", "trl", "peft", "datasets", "tokenizers"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'gauntlet-harness[train]')")

from harness.plugins import get_plugin_manager  # noqa: E402

OPS = "package ops\n\nfunc Add(a, b int) int { return a - b }\n"
OPS_TEST = ('package ops\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n'
            '\tif Add(2, 3) != 5 {\n\t\tt.Fatal("Add(2, 3) != 5")\n\t}\n}\n')


def _patch(old: str, new: str, path: str) -> str:
    body = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))
    return f"diff --git a/{path} b/{path}\n{body}"


def _answers() -> dict[str, str]:
    good_py = "```python\ndef add(a, b):\n    return a + b\n```"
    bad_py = "```python\ndef add(a, b):\n    return a - b\n```"
    good_go = "```diff\n" + _patch(OPS, OPS.replace("a - b", "a + b"), "ops.go") + "```"
    bad_go = "```diff\n" + _patch(OPS, OPS.replace("a - b", "a * b"), "ops.go") + "```"
    return {"good_py": good_py, "bad_py": bad_py, "good_go": good_go, "bad_go": bad_go}


def _tokenizer(answers: dict[str, str]):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    corpus = ["Write a function add(a, b).", "Fix the Go module so that its tests pass.", *answers.values()] * 20
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<pad>", "<eos>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>")
    fast.add_tokens(list(answers.values()))  # each answer is one (non-special) token
    return fast


@pytest.fixture
def go_repo(tmp_path):
    if "go" not in get_plugin_manager().languages() or not shutil.which("go"):
        pytest.skip(reason="gauntlet-go or the go command is not installed")
    repo = tmp_path / "ops"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/ops\n\ngo 1.19\n")
    (repo / "ops.go").write_text(OPS)
    (repo / "ops_test.go").write_text(OPS_TEST)
    return repo


def test_grpo_trainer_logs_gauntlet_rewards(tmp_path, go_repo):
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    from harness.rewards.trl import gauntlet_reward_func

    torch.manual_seed(0)
    answers = _answers()
    tokenizer = _tokenizer(answers)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id))
    ids = {name: tokenizer.convert_tokens_to_ids(text) for name, text in answers.items()}
    bias = [[[i], 60.0] for i in ids.values()] + [[[i, tokenizer.eos_token_id], 120.0] for i in ids.values()]

    py_task = {"kind": "solution", "prompt": "def add(a, b):\n", "entry_point": "add",
               "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"}
    go_task = {"kind": "repository", "repo": str(go_repo), "language": "go", "tests": None}
    rows = [{"prompt": "Write a function add(a, b).", "gauntlet_task": json.dumps(py_task)},
            {"prompt": "Fix the Go module so that its tests pass.", "gauntlet_task": json.dumps(go_task)}] * 2
    args = GRPOConfig(
        output_dir=str(tmp_path / "out"), per_device_train_batch_size=4, num_generations=4, max_completion_length=4,
        max_steps=2, logging_steps=1, learning_rate=1e-4, report_to=[], use_cpu=True, bf16=False, seed=0,
        temperature=1.0, generation_kwargs={"sequence_bias": bias}, save_strategy="no",
    )
    trainer = GRPOTrainer(model=model, reward_funcs=[gauntlet_reward_func], args=args, processing_class=tokenizer,
                          train_dataset=Dataset.from_list(rows), peft_config=LoraConfig(r=4, lora_alpha=8,
                          target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    trainer.train()

    logs = [entry for entry in trainer.state.log_history if "rewards/gauntlet_reward_func/mean" in entry]
    assert len(logs) == 2, trainer.state.log_history
    # breakdown terms from log_metric: the reward-table rows of the batch, as shares
    rows_logged = {k for entry in logs for k in entry if k.startswith("gauntlet/")}
    assert "gauntlet/cached" in rows_logged
    assert any(k not in ("gauntlet/cached",) for k in rows_logged), rows_logged
    # real evaluations happened: a right answer scores +1.0, so some batch mean is above the minimum
    assert max(entry["rewards/gauntlet_reward_func/mean"] for entry in logs) > -1.0
    assert max(entry["rewards/gauntlet_reward_func/std"] for entry in logs) > 0.0


def test_reward_func_scores_the_four_answers(go_repo):
    """The same answers straight through the reward function: what the trainer's numbers mean."""
    from harness.rewards.trl import gauntlet_reward_func

    answers = _answers()
    py_task = json.dumps({"kind": "solution", "prompt": "def add(a, b):\n", "entry_point": "add",
                          "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n"})
    go_task = json.dumps({"kind": "repository", "repo": str(go_repo), "language": "go", "tests": None})
    logged = {}
    rewards = gauntlet_reward_func(
        prompts=["p"] * 6,
        completions=[answers["good_py"], answers["bad_py"], answers["good_go"], answers["bad_go"], answers["good_go"], "hi"],
        gauntlet_task=[py_task, py_task, go_task, go_task, py_task, None],
        log_metric=lambda k, v: logged.__setitem__(k, v),
    )
    assert rewards[:2] == [1.0, 0.1]
    assert rewards[2] in (1.0, 0.7) and rewards[3] == 0.1  # go vet / gofmt may warn: 0.7
    assert rewards[4] is not None and rewards[4] < 0  # a patch where code was asked for
    assert rewards[5] is None  # not a Gauntlet row
    assert "gauntlet/cached" in logged
