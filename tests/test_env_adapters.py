"""Adapters driven by the frameworks' own code (PyPI releases, installed with --no-deps): OpenRLHF's
agent loader and ``MultiTurnAgentExecutor.execute``, TRL's ``GRPOTrainer`` with ``environment_factory``.
Only what cannot run here is scripted: vLLM's engine (its generate answers from a script)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from env_agents import BUGS, buggy_copy  # noqa: E402


@pytest.fixture
def env_server(tmp_path):
    from harness.env.server import EpisodeManager, serve

    manager = EpisodeManager(max_episodes=4, idle_timeout=300)
    server = serve("127.0.0.1", 0, manager)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", manager
    finally:
        server.shutdown()
        manager.close_all()
        server.server_close()


def _vllm_stub(monkeypatch):
    """vLLM is not installable here (no GPU): module stubs so that OpenRLHF's own loader imports."""
    vllm = types.ModuleType("vllm")
    inputs, utils = types.ModuleType("vllm.inputs"), types.ModuleType("vllm.utils")
    inputs.TokensPrompt, utils.random_uuid = dict, lambda: "0"
    vllm.inputs, vllm.utils, vllm.__version__ = inputs, utils, "0.0"
    for name, mod in (("vllm", vllm), ("vllm.inputs", inputs), ("vllm.utils", utils)):
        monkeypatch.setitem(sys.modules, name, mod)


def test_openrlhf_agent_executor_runs_an_episode(env_server, tmp_path, monkeypatch):
    pytest.importorskip("openrlhf", reason="openrlhf is not installed (pip install --no-deps openrlhf)")
    pytest.importorskip("ray", reason="ray is not installed")
    from trainers.tiny import build_tokenizer

    _vllm_stub(monkeypatch)
    from openrlhf.trainer.ray.vllm_engine import _load_agent_executor

    url, manager = env_server
    monkeypatch.setenv("GAUNTLET_ENV_URL", url)
    _, file, good, bug, _, _ = BUGS["python"]
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    actions = [
        "Let me look.\n<tool_call>\n" + json.dumps({"name": "search", "arguments": {"pattern": bug, "path": "slugify"}}) + "\n</tool_call>",
        "<tool_call>{\"name\": \"edit\", \"arguments\": {\"path\": \"" + file + "\"}}</tool_call>",  # malformed: args missing
        "<tool_call>" + json.dumps({"name": "edit", "arguments": {"path": file, "old": bug, "new": good}}) + "</tool_call>",
        "<tool_call>{\"name\": \"submit\", \"arguments\": {}}</tool_call>",
    ]
    tokenizer = build_tokenizer(actions + ["Fix the repository."])

    class ScriptedEngine:  # vLLM's AsyncLLMEngine.generate, answering from the script
        def __init__(self):
            self.turn = 0

        async def generate(self, prompt_ids, sampling_params, multi_modal_data=None):
            text = actions[self.turn]
            self.turn += 1
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            return types.SimpleNamespace(outputs=[types.SimpleNamespace(token_ids=ids, text=text, finish_reason="stop")])

    executor = _load_agent_executor(str(Path(__import__("harness.env.adapters.openrlhf_agent", fromlist=["x"]).__file__)))
    params = types.SimpleNamespace(max_tokens=None, logprobs=None)
    out = asyncio.run(executor.execute("Fix the repository.", json.dumps(task), params, 100000, tokenizer, ScriptedEngine()))
    assert out["reward"] == 1.0 and out["scores"].item() == 1.0
    assert len(out["action_ranges"]) == 4
    logs = {k: v.item() for k, v in out["extra_logs"].items()}
    assert logs["gauntlet_resolved"] == 1.0 and logs["gauntlet_format_accuracy"] == 0.75
    text = tokenizer.decode(out["observation_tokens"])
    assert "slugify/core.py" in text and "malformed tool call" in text
    assert manager.health()["episodes"] == 0  # closed at the end of the episode


def test_trl_grpo_trainer_with_environment_factory(tmp_path):
    """TRL's GRPOTrainer runs multi-turn rollouts through Gauntlet episodes: a tiny random Llama whose
    sampling is biased towards three tool calls (each one token), TRL parses them with its qwen3
    response schema, calls the environment's methods, and trains on get_reward's graded rewards."""
    for module in ("torch", "transformers", "trl", "datasets", "tokenizers"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install 'gauntlet-harness[train]')")
    import torch
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    from harness.env.adapters.trl import GauntletEnvironment

    tokenizer, calls = tool_call_tokenizer()
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                                         max_position_embeddings=16384, pad_token_id=tokenizer.pad_token_id,
                                         eos_token_id=tokenizer.eos_token_id))
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    rows = [{"prompt": [{"role": "user", "content": "Fix the bug."}], "gauntlet_task": json.dumps(task)}] * 2
    ids = [tokenizer.convert_tokens_to_ids(c) for c in calls]
    bias = [[[i], 60.0] for i in ids] + [[[i, tokenizer.eos_token_id], 120.0] for i in ids]
    args = GRPOConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=6144, max_steps=1, logging_steps=1, report_to=[], use_cpu=True, bf16=False,
                      seed=0, generation_kwargs={"sequence_bias": bias}, save_strategy="no", max_tool_calling_iterations=3)
    GauntletEnvironment.env_seconds, GauntletEnvironment.episodes, GauntletEnvironment.tool_calls = 0.0, 0, 0
    trainer = GRPOTrainer(model=model, args=args, processing_class=tokenizer, train_dataset=Dataset.from_list(rows),
                          environment_factory=GauntletEnvironment)
    trainer.train()
    logged = [e for e in trainer.state.log_history if "rewards/GauntletEnvironment/mean" in e]
    assert logged, trainer.state.log_history
    assert GauntletEnvironment.episodes >= 2 and GauntletEnvironment.env_seconds > 0
    # TRL parsed the model's tool calls, called the episode's tools and fed the observations back for more
    # turns (the observations are long in this tokenizer's tokens: hence the long completion budget)
    assert GauntletEnvironment.tool_calls > GauntletEnvironment.episodes and logged[0]["tools/call_frequency"] > 1
    assert -1.0 <= logged[0]["rewards/GauntletEnvironment/mean"] <= 1.0


def tool_call_tokenizer(extra: list | None = None):
    """A byte-level BPE tokenizer with TRL's qwen3 chat template and response schema; three tool calls
    on the slugify task (search, the fix, submit) and any ``extra`` (name, arguments) are single tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import add_response_schema, qwen3_chat_template

    _, file, good, bug, _, _ = BUGS["python"]
    calls = ["<tool_call>\n" + json.dumps({"name": n, "arguments": a}) + "\n</tool_call>" for n, a in (
        ("search", {"pattern": bug, "path": "slugify"}), ("edit", {"path": file, "old": bug, "new": good}), ("submit", {}),
        *(extra or []))]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()  # decoded text as written: the response parser finds the assistant header in it
    tok.train_from_iterator(["Fix the bug. tool_call user assistant system"] * 10,
                            trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"],
                                                initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<|im_end|>")
    fast.add_tokens(calls)
    fast.chat_template = qwen3_chat_template
    return add_response_schema(fast), calls


def _verl_tools(url, tmp_path):
    """verl's own ``initialize_tools_from_config`` on a YAML config naming one GauntletTool per tool."""
    from verl.tools.tool_registry import initialize_tools_from_config

    from harness.env.tools import TOOLS

    config = tmp_path / "tools.yaml"
    config.write_text("tools:\n" + "".join(
        f"  - class_name: harness.env.adapters.verl_tools.GauntletTool\n    config: {{type: native, tool: {n}, env_url: '{url}'}}\n"
        for n in TOOLS))
    tools = {t.name: t for t in initialize_tools_from_config(str(config))}
    assert list(tools) == list(TOOLS)
    return tools


def _verl_rollout(tools, request_id, task, calls):
    """The calls of one rollout as verl's ToolAgentLoop._call_tool makes them (create / execute with
    the rollout's own ``AgentData`` / release; a list of calls is one turn, run in parallel as the loop
    runs them); returns the rollout's ``extra_fields`` as the loop hands them on (with its
    ``turn_scores`` and ``tool_rewards``) and each call's result."""
    from verl.experimental.agent_loop.tool_agent_loop import AgentData

    agent_data = AgentData(messages=[], image_data=None, video_data=None, audio_data=None, mm_processor_kwargs=None,
                           metrics={}, request_id=request_id, tools_kwargs={})
    kwargs = {"gauntlet_task": json.dumps(task)}

    async def call(name, args):
        tool = tools[name]
        iid, _ = await tool.create(create_kwargs=kwargs)
        try:
            return await tool.execute(iid, args, agent_data=agent_data)
        finally:
            await tool.release(iid)

    async def run():
        out = []
        for turn in calls:
            if isinstance(turn, list):
                out += await asyncio.gather(*(call(name, args) for name, args in turn))
            else:
                out.append(await call(*turn))
        return out

    results = asyncio.run(run())
    return {**agent_data.extra_fields, "turn_scores": [], "tool_rewards": [r[1] for r in results]}, results


def _verl_rewards(rollouts, task, reward_kwargs, manager="naive"):
    """Each rollout scored by verl's reward-loop ``naive`` manager, loaded from ``pkg://`` as a run
    loads it, with the rollout's ``extra_fields`` as the agent loop hands them over
    (``tool_extra_fields``) and the row's ``tools_kwargs`` in ``extra_info``."""
    import numpy as np
    import torch
    from omegaconf import OmegaConf
    from verl import DataProto
    from verl.trainer.ppo.reward import load_reward_manager

    from trainers.tiny import build_tokenizer

    tok = build_tokenizer(["fix the bug", "done"])
    cfg = OmegaConf.create({"reward": {
        "custom_reward_function": {"path": "pkg://harness.env.adapters.verl_tools", "name": "compute_score",
                                   "reward_kwargs": reward_kwargs},
        "reward_manager": {"source": "register", "name": manager}, "reward_kwargs": {}, "sandbox_fusion": None}})
    rm = load_reward_manager(cfg, tok)
    p, r = torch.tensor([tok.encode("fix the bug")]), torch.tensor([tok.encode("done")])
    tools_kwargs = {"edit": {"create_kwargs": {"gauntlet_task": json.dumps(task)}}}
    outs = []
    for fields in rollouts:
        data = DataProto.from_dict(
            tensors={"prompts": p, "responses": r, "input_ids": torch.cat([p, r], 1),
                     "attention_mask": torch.ones(1, p.shape[1] + r.shape[1], dtype=torch.long)},
            non_tensors={"data_source": np.array(["gauntlet/agent"], dtype=object),
                         "reward_model": np.array([{"ground_truth": "", "style": "rule"}], dtype=object),
                         "extra_info": np.array([{"tools_kwargs": tools_kwargs}], dtype=object),
                         "tool_extra_fields": np.array([dict(fields)], dtype=object)})
        outs.append(rm.loop.run_until_complete(rm.run_single(data)))
    return outs


def test_verl_tools_loaded_by_verls_registry(env_server, tmp_path):
    """verl's own ``initialize_tools_from_config`` loads one GauntletTool per tool from a YAML config;
    calls go through the BaseTool lifecycle exactly as verl's ToolAgentLoop._call_tool makes them."""
    pytest.importorskip("verl", reason="verl is not installed (pip install --no-deps verl)")
    url, manager = env_server
    _, file, good, bug, _, _ = BUGS["python"]
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    tools = _verl_tools(url, tmp_path)
    assert tools["edit"].tool_schema.function.parameters.required == ["path", "old", "new"]
    fields, (found, edited, (response, reward, metrics)) = _verl_rollout(tools, "rollout-1", task, [
        ("search", {"pattern": bug, "path": "slugify"}), ("edit", {"path": file, "old": bug, "new": good}), ("submit", {})])
    assert file in found[0].text and found[1] == 0.0 and edited[0].text.startswith("edited")
    assert reward == 1.0 and metrics["gauntlet_resolved"] == 1.0 and manager.health()["episodes"] == 0
    assert fields["gauntlet_grade"]["score"] == 1.0 and fields["tool_rewards"] == [0.0, 0.0, 1.0]
    # a first turn of parallel calls opens one episode for the rollout; a call after submit opens none
    fields, results = _verl_rollout(tools, "rollout-2", task, [
        [("search", {"pattern": bug, "path": "slugify"}), ("edit", {"path": file, "old": bug, "new": good})],
        ("submit", {}), ("git_diff", {})])
    assert [r[1] for r in results] == [0.0, 0.0, 1.0, 0.0] and results[3][0].text.startswith("the episode is over")
    assert manager.health()["episodes"] == 0


def test_verl_reward_function_grades_every_rollouts_episode(env_server, tmp_path, caplog):
    """verl gives a tool no end-of-rollout call: the reward function, through verl's own reward
    manager, returns a submitted episode's grade, submits for a rollout that stopped without
    ``submit`` (graded as the same changes submitted, and closed at once instead of idling until the
    server reaps it), grades a rollout that called no tool as an empty submission, and answers the
    sentinel with ``gauntlet_infra_error`` when the server is gone; a manager that does not pass the
    rollout's fields (dapo) is refused."""
    pytest.importorskip("verl", reason="verl is not installed (pip install --no-deps verl)")
    url, manager = env_server
    _, file, good, bug, _, _ = BUGS["python"]
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    tools = _verl_tools(url, tmp_path)
    submitted, _ = _verl_rollout(tools, "a", task, [("edit", {"path": file, "old": bug, "new": good}), ("submit", {})])
    stopped, _ = _verl_rollout(tools, "b", task, [("search", {"pattern": bug, "path": "slugify"}),
                                                  ("edit", {"path": file, "old": bug, "new": good})])
    wrong, _ = _verl_rollout(tools, "c", task, [("edit", {"path": file, "old": bug, "new": bug + "  # looked"})])
    assert manager.health()["episodes"] == 2  # the two rollouts that did not submit left theirs open
    no_call = {"turn_scores": [], "tool_rewards": []}
    outs = _verl_rewards([submitted, stopped, wrong, no_call], task, {"env_url": url})
    assert manager.health()["episodes"] == 0
    # no tool called: graded as an episode that ends with no change (an empty patch: -0.3, see tests/test_env.py)
    assert [o["reward_score"] for o in outs] == [1.0, 1.0, 0.1, -0.3]
    assert outs[1]["reward_extra_info"]["gauntlet_row"] == outs[0]["reward_extra_info"]["gauntlet_row"]
    assert len({frozenset(o["reward_extra_info"]) for o in outs}) == 1
    assert [o["reward_extra_info"]["gauntlet_infra_error"] for o in outs] == [0.0] * 4

    gone = {"gauntlet_episode": "e-gone", "gauntlet_env_url": "http://127.0.0.1:9"}
    with caplog.at_level("ERROR", logger="gauntlet.rewards"):
        [out] = _verl_rewards([gone], task, {})
    assert out["reward_score"] == 0.0 and out["reward_extra_info"]["gauntlet_infra_error"] == 1.0
    assert "INFRASTRUCTURE FAILURE" in caplog.text
    # verl's dapo manager does not hand the rollout's fields over: refused, never an empty submission's -0.3
    with pytest.raises(ValueError, match="reward manager did not pass the rollout's tool fields"):
        _verl_rewards([{"tool_rewards": [1.0]}], task, {"env_url": url}, manager="dapo")


def test_skyrl_gym_make_and_step(tmp_path):
    """SkyRL-Gym's own registry builds the environment; init / step / get_metrics / close as its generator calls them."""
    pytest.importorskip("skyrl_gym", reason="skyrl-gym is not installed (pip install --no-deps skyrl-gym)")
    import skyrl_gym

    import harness.env.adapters.skyrl  # noqa: F401  (registers "gauntlet-agent")

    _, file, good, bug, _, _ = BUGS["python"]
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp_path / "slugify")), "language": "python"}
    env = skyrl_gym.make("gauntlet-agent", env_config={"max_steps": 10, "roles": ["coder"]}, extras={"gauntlet_task": task})
    prompt, meta = env.init([{"role": "user", "content": "Fix it."}])
    assert "slugify/core.py" in prompt[-1]["content"] and meta["task_id"] == "slugify"
    out = env.step('{"name": "edit", "arguments": {"path": "' + file + '"}}')  # missing arguments
    assert not out["done"] and "malformed tool call" in out["observations"][0]["content"]
    env.step(json.dumps({"name": "edit", "arguments": {"path": file, "old": bug, "new": good}}))
    out = env.step('<tool_call>{"name": "submit", "arguments": {}}</tool_call>')
    assert out["done"] and out["reward"] == 1.0 and out["observations"] == []
    metrics = env.get_metrics()
    assert metrics["resolved"] == 1.0 and metrics["format_accuracy"] == round(2 / 3, 6)
    env.close()
