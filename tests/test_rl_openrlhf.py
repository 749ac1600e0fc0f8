"""Gauntlet's rewards through OpenRLHF's own code (its PyPI releases, installed without their heavy
dependencies): the current single-sample path (0.11.2: ``SingleTurnAgentExecutor`` posting to
``serve-rewards`` or loading the reward function file, then ``_process_response_into_experience``
and ``make_experience_batch``), and the batched path of 0.9.0 and the reward function file of 0.8.3
(``request_api_wrapper`` / ``RemoteRewardModel`` then ``update_samples_with_rewards``, run in a
subprocess by tests/openrlhf_legacy.py since two releases cannot share one process).

Faked, because they cannot run here: vLLM (a module with ``SamplingParams``, and an engine that
"generates" the token ids of a given answer).  The tokenizer is a real byte-level one built here.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import threading
import types
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("openrlhf", reason="OpenRLHF is not installed (pip install --no-deps openrlhf; see .ci/run)")
pytest.importorskip("torch", reason="torch is not installed (the [train] extra)")

import torch  # noqa: E402

import harness.rewards.openrlhf as gauntlet_openrlhf  # noqa: E402
from harness.rewards.engine import EngineOptions, RewardEngine  # noqa: E402
from harness.rewards.openrlhf import LOG_KEYS, response_of  # noqa: E402
from harness.rewards.server import serve  # noqa: E402

DOUBLE = json.dumps({"kind": "solution", "language": "python", "inputs": ["3\n", "4\n"], "outputs": ["6\n", "8\n"]})
RIGHT = "Here you go:\n```python\nprint(int(input()) * 2)\n```\n"
# A long prompt whose tail holds a correct solution: OpenRLHF cuts the prompt from the left, and the
# old server then graded this code as the answer "I am not sure." (1.0).
LONG_PROMPT = ("Context you may skip. " * 40 + "A colleague wrote:\n```python\nprint(int(input()) * 2)\n```\n"
               "Double the number read from stdin. Is the colleague right? Answer:")
LEGACY = Path(sys.prefix) / "openrlhf-releases"
HERE = Path(__file__).resolve().parent


@dataclass
class SamplingParams:  # what OpenRLHF reads of vLLM's
    max_tokens: int | None = None
    logprobs: int | None = None
    temperature: float = 1.0


@pytest.fixture(scope="module")
def openrlhf_modules():
    """OpenRLHF 0.11.2's single-turn executor and sample generator, with vLLM faked."""
    fake = {"vllm": types.ModuleType("vllm"), "vllm.inputs": types.ModuleType("vllm.inputs"),
            "vllm.utils": types.ModuleType("vllm.utils")}
    fake["vllm"].SamplingParams, fake["vllm"].__version__ = SamplingParams, "0.29.0"
    fake["vllm.inputs"].TokensPrompt = dict
    fake["vllm.utils"].random_uuid = lambda: "0"
    with pytest.MonkeyPatch.context() as mp:
        for name, module in fake.items():
            if name not in sys.modules:
                mp.setitem(sys.modules, name, module)
        from openrlhf.trainer.ppo_utils.experience import make_experience_batch
        from openrlhf.trainer.ppo_utils.samples_generator import SamplesGenerator
        from openrlhf.utils.agent import SingleTurnAgentExecutor

        yield types.SimpleNamespace(Executor=SingleTurnAgentExecutor, Generator=SamplesGenerator,
                                    batch=make_experience_batch)


@pytest.fixture(scope="module")
def tokenizer():
    """A byte-level tokenizer (one token per byte, exact round trip), built here: no hub download."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(sorted(alphabet))}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False)


@pytest.fixture(scope="module")
def server():
    srv = serve("127.0.0.1", 0, RewardEngine(EngineOptions(workers=2)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.engine.close()


class FakeLLM:
    """vLLM's ``generate``: the answer's token ids, as if sampled."""

    def __init__(self, tokenizer, answer: str):
        self.ids = tokenizer(text=answer, add_special_tokens=False)["input_ids"]
        self.answer = answer

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        out = types.SimpleNamespace(token_ids=self.ids, text=self.answer, finish_reason="stop", logprobs=None)
        return types.SimpleNamespace(outputs=[out])


def rollout(mods, tokenizer, remote: str, prompt: str, label: str, answer: str, max_length: int = 4096):
    """One sample through OpenRLHF: generate, reward (HTTP or file), Experience."""
    executor = mods.Executor(remote)
    params = SamplingParams(max_tokens=64)
    response = asyncio.run(executor.execute(prompt, label, params, max_length, tokenizer, FakeLLM(tokenizer, answer)))
    generator = mods.Generator.__new__(mods.Generator)  # the method reads nothing of the generator
    return response, generator._process_response_into_experience(response, max_len=max_length)


def test_response_boundary_survives_left_truncation():
    assert response_of("PROMPT" + "answer", "PROMPT") == "answer"
    tail = LONG_PROMPT[-120:]
    assert response_of(tail + " I am not sure.", LONG_PROMPT) == " I am not sure."
    assert response_of("\ufffd" + tail + "x", LONG_PROMPT) == "x"  # a multi-byte character cut by the token cut
    assert response_of("something else entirely", LONG_PROMPT) is None  # never grade the prompt's code
    tidy = "from . import util\nWrite the function , then test it ."  # decoded with clean_up_tokenization_spaces
    assert response_of(tidy.replace(" .", ".").replace(" ,", ",") + "\nAnswer", tidy) == "\nAnswer"
    assert response_of("only a response", "") == "only a response"


def test_infrastructure_failure_is_never_a_reward(caplog):
    """A sample whose scoring fails on infrastructure: the sentinel, a NaN score, the flag, a warning."""
    from harness.jobs import JobFailed

    class BrokenCluster:  # a job executor whose every job fails on infrastructure
        capacity = 1

        def call(self, *args, **kwargs):
            raise JobFailed("node lost")

    engine = RewardEngine(EngineOptions(workers=1), runner=BrokenCluster())
    try:
        doc = gauntlet_openrlhf.score(engine, ["P\n" + RIGHT], ["P\n"], [DOUBLE])
    finally:
        engine.close()
    assert doc["rewards"] == [0.0] and math.isnan(doc["scores"][0]) and doc["extra_logs"]["gauntlet_infra"] == [1.0]
    assert "node lost" in doc["gauntlet"][0]["error"] and "node lost" in caplog.text


def test_openrlhf_single_sample_http_path(openrlhf_modules, tokenizer, server):
    """0.11.2: one POST per sample, every extra_logs value made a tensor, experiences batched."""
    url = f"http://127.0.0.1:{server.server_address[1]}/get_reward"
    right, exp_right = rollout(openrlhf_modules, tokenizer, url, "Double the number.\n", DOUBLE, RIGHT)
    # The prompt is cut from the left (max_length 200 - 64 new tokens): its code must not be graded.
    unsure, exp_unsure = rollout(openrlhf_modules, tokenizer, url, LONG_PROMPT, DOUBLE, " I am not sure.", max_length=200)
    empty, exp_empty = rollout(openrlhf_modules, tokenizer, url, "Double the number.\n", "", RIGHT)

    assert right["reward"] == [1.0] and exp_right.rewards.flatten().tolist() == [1.0]
    assert unsure["reward"] == [-1.0], "the truncated prompt's code was graded as the answer"
    assert empty["reward"] == [0.0] and math.isnan(empty["scores"][0])  # no task: sentinel, NaN score
    assert exp_empty.info["gauntlet_infra"].item() == 1.0 and exp_right.info["gauntlet_infra"].item() == 0.0
    assert exp_right.info["gauntlet_pass"].item() == 1.0 and exp_unsure.info["gauntlet_format_error"].item() == 1.0
    batch = openrlhf_modules.batch([exp_right, exp_unsure, exp_empty])  # the same keys in every answer
    assert set(LOG_KEYS) <= set(batch.info) and [t.item() for t in batch.info["gauntlet_infra"]] == [0, 0, 1]
    health = json.load(urllib.request.urlopen(url.replace("get_reward", "health"), timeout=10))
    assert health["infra_failures"] >= 1 and health["samples"] >= 3
    metrics = urllib.request.urlopen(url.replace("get_reward", "metrics"), timeout=10).read().decode()
    assert f"gauntlet_reward_infra_failures_total {health['infra_failures']}" in metrics


def test_openrlhf_reward_function_file(openrlhf_modules, tokenizer, monkeypatch):
    """0.11.2 loads the file by path and calls reward_func(queries, prompts, labels) in process."""
    monkeypatch.setattr("harness.rewards.engine._default", RewardEngine(EngineOptions(workers=2)))
    path = gauntlet_openrlhf.__file__
    right, exp = rollout(openrlhf_modules, tokenizer, path, "Double the number.\n", DOUBLE, RIGHT)
    cut, _ = rollout(openrlhf_modules, tokenizer, path, LONG_PROMPT, DOUBLE, " I am not sure.", max_length=200)
    assert torch.as_tensor(right["reward"]).item() == 1.0 and exp.info["gauntlet_pass"].item() == 1.0
    assert torch.as_tensor(cut["reward"]).item() == -1.0
    printed = subprocess.run([sys.executable, "-m", "harness.rewards.openrlhf"], capture_output=True, text=True, check=True)
    assert Path(printed.stdout.strip()).samefile(path)


@pytest.mark.parametrize("version,mode", [("0.9.0", "http"), ("0.8.3", "file")])
def test_openrlhf_batched_releases(version, mode, server):
    """The batched path of older releases: one request for the whole rollout (0.9.0), the reward
    function file's tensors (0.8.3), both through ``update_samples_with_rewards``."""
    release = LEGACY / version
    if not (release / "openrlhf").is_dir():
        pytest.skip(reason=f"OpenRLHF {version} is not installed in {release} (.ci/run installs it with --no-deps --target)")
    target = f"http://127.0.0.1:{server.server_address[1]}/get_reward" if mode == "http" else gauntlet_openrlhf.__file__
    batch = {"query": ["Double the number.\n" + RIGHT, LONG_PROMPT[-150:] + " I am not sure.", "Q\n" + RIGHT],
             "prompts": ["Double the number.\n", LONG_PROMPT, "Q\n"], "labels": [DOUBLE, DOUBLE, ""]}
    r = subprocess.run([sys.executable, str(HERE / "openrlhf_legacy.py"), mode, target, json.dumps(batch)],
                       capture_output=True, text=True, timeout=300, env={**_env(), "PYTHONPATH": f"{release}:{_env()['PYTHONPATH']}"})
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["version"] == version
    assert out["rewards"] == [[1.0], [-1.0], [0.0]]
    assert out["info"]["gauntlet_infra"] == [[0.0], [0.0], [1.0]] and out["info"]["gauntlet_pass"] == [[1.0], [0.0], [0.0]]


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}


def test_server_back_pressure_survives_openrlhf_retries(openrlhf_modules):
    """A full memory budget (503 busy) and a request past its deadline (503, the scoring goes on)
    are both survived by OpenRLHF's own client (5 tries, 1 s apart); the retry finds the result."""
    srv = serve("127.0.0.1", 0, RewardEngine(EngineOptions(workers=2)), max_pending_bytes=1, request_timeout=0.3)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        executor = openrlhf_modules.Executor(f"http://127.0.0.1:{srv.server_address[1]}/get_reward")
        slow = "```python\nimport time  # {n}\ntime.sleep(0.8)\nprint(int(input()) * 2)\n```"

        async def both():
            return await asyncio.gather(*(executor._fetch_rewards_via_http([slow.format(n=n)], [""], [DOUBLE])
                                          for n in range(2)))

        answers = asyncio.run(both())
        assert [a[0]["rewards"] for a in answers] == [[1.0], [1.0]]
        assert srv.stats["busy"] >= 1 and srv.stats["timeouts"] >= 1 and srv.engine.hits >= 1
    finally:
        srv.shutdown()
        srv.server_close()
        srv.engine.close()
