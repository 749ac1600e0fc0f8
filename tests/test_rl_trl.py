"""Gauntlet's reward through TRL's own ``GRPOTrainer._calculate_rewards`` (the sync and the async path).

The trainer is a real one (tiny random Llama, tokenizer built here, CPU); the completions are
what TRL 1.16 hands to reward functions: text decoded with ``skip_special_tokens=True``, or chat
messages from transformers 5's ``parse_response`` (``tool_calls`` with ``{"type": "function",
"function": {"name", "arguments"}}``, tool turns, content parts).  The task column comes from a
``datasets`` table where it is stored as a dict, so Arrow made it a struct with None-filled keys.
"""

import json

import pytest

for module in ("torch", "transformers", "trl", "datasets", "tokenizers"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'gauntlet-harness[train]')")

DOUBLE = {"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"], "fn_name": None}
ADD = {"kind": "solution", "prompt": "def add(a, b):\n", "entry_point": "add",
       "test": "def check(f):\n    assert f(2, 3) == 5\n"}
GOOD = "```python\nprint(int(input()) * 2)\n```"
BAD = "```python\nprint(0)\n```"
HARMONY_SPECIAL = ["<|start|>", "<|channel|>", "<|constrain|>", "<|message|>", "<|call|>", "<|end|>"]


def _submit(code: str) -> dict:
    return {"type": "function", "function": {"name": "submit", "arguments": {"code": code}}}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory):
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from harness.rewards.trl import gauntlet_reward_func, gauntlet_reward_func_async
    from trainers.tiny import build_model, build_tokenizer

    torch.manual_seed(0)
    tok = build_tokenizer([GOOD, BAD, "Double the number.", 'to=functions.submit json{"code": "x"}'])
    tok.add_special_tokens({"additional_special_tokens": HARMONY_SPECIAL})
    args = GRPOConfig(output_dir=str(tmp_path_factory.mktemp("grpo")), per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=4, max_steps=1, report_to=[], use_cpu=True, bf16=False, save_strategy="no")
    return GRPOTrainer(model=build_model(tok), reward_funcs=[gauntlet_reward_func, gauntlet_reward_func_async], args=args,
                       processing_class=tok, train_dataset=Dataset.from_list([{"prompt": "Double the number."}] * 2))


def _rows(tasks: list) -> list[dict]:
    """The inputs as TRL's dataloader yields them, from a table whose task column holds dicts."""
    from datasets import Dataset

    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": "Solve it."}], "gauntlet_task": t} for t in tasks])
    return [ds[i] for i in range(len(ds))]


def _rewards(trainer, inputs, completions):
    prompts = [row["prompt"] for row in inputs]
    out = trainer._calculate_rewards(inputs, prompts, completions, [[0]] * len(completions))
    return out[:, 0].tolist(), out[:, 1].tolist()


def test_conversational_completions_tool_calls_tool_turns_and_content_parts(trainer):
    inputs = _rows([DOUBLE, DOUBLE, DOUBLE, ADD, None])
    assert inputs[3]["gauntlet_task"]["inputs"] is None and inputs[0]["gauntlet_task"]["test"] is None  # Arrow struct
    completions = [
        # the answer is a structured tool call (parse_response), content empty
        [{"role": "assistant", "content": "", "tool_calls": [_submit("print(int(input()) * 2)")]}],
        # the model's own answer is wrong; a tool's output holds right code, which is not the answer
        [{"role": "assistant", "content": "Let me look.", "tool_calls": [
            {"type": "function", "function": {"name": "read_file", "arguments": {"path": "ref.py"}}}]},
         {"role": "tool", "name": "read_file", "content": "Reference:\n" + GOOD},
         {"role": "assistant", "content": "My answer:\n" + BAD},
         {"role": "tool", "name": "run", "content": GOOD}],
        # content parts
        [{"role": "assistant", "content": [{"type": "text", "text": "Here:\n"}, {"type": "text", "text": GOOD}]}],
        [{"role": "assistant", "content": "```python\ndef add(a, b):\n    return a + b\n```"}],
        [{"role": "assistant", "content": GOOD}],  # not a Gauntlet row
    ]
    sync, async_ = _rewards(trainer, inputs, completions)
    assert sync[:4] == pytest.approx([1.0, 0.1, 1.0, 1.0]) and async_[:4] == sync[:4]
    assert sync[4] != sync[4] and async_[4] != async_[4]  # None -> NaN: no reward from this function


def test_harmony_call_decoded_without_special_tokens(trainer):
    """TRL decodes text completions with ``skip_special_tokens=True``: the Harmony markers vanish
    and the submit call must still be read (it scored -1.0)."""
    tok = trainer.processing_class
    call = ("<|start|>assistant<|channel|>analysis<|message|>Double it.<|end|>"
            "<|start|>assistant<|channel|>commentary to=functions.submit <|constrain|>json<|message|>"
            + json.dumps({"code": "print(int(input()) * 2)"}) + "<|call|>")
    wrong = call.replace("* 2", "* 3")
    ids = [tok.encode(call, add_special_tokens=False), tok.encode(wrong, add_special_tokens=False)]
    texts = tok.batch_decode(ids, skip_special_tokens=True)
    assert "<|message|>" not in texts[0] and "to=functions.submit" in texts[0]
    inputs = [{"prompt": "Double the number.", "gauntlet_task": json.dumps(DOUBLE)}] * 2
    sync, _ = _rewards(trainer, inputs, texts)
    assert sync == pytest.approx([1.0, 0.1])


def test_infra_failure_is_none_and_counted(trainer, monkeypatch):
    from harness.benchmarks.executor import ExecutorError
    from harness.rewards import infra
    from harness.rewards.engine import default_engine

    def broken(*a, **k):
        raise ExecutorError("workers cannot start")

    monkeypatch.setattr(type(default_engine().executor), "run_tests", broken)
    before = infra.failures()
    inputs = [{"prompt": "Double the number.", "gauntlet_task": json.dumps(DOUBLE)}]
    sync, async_ = _rewards(trainer, inputs, ["```python\nprint(int(input()) * 2)  # trl infra\n```"])
    assert sync[0] != sync[0] and async_[0] != async_[0]  # NaN: TRL's "no reward"
    assert infra.failures() >= before + 1
    assert trainer._pending_metrics["gauntlet/infra_error"][-1] >= 1.0  # logged beside TRL's own metrics
