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
