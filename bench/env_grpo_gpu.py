"""Multi-turn GRPO through the agent environment: TRL's GRPOTrainer with ``environment_factory=
GauntletEnvironment`` on a random-initialised model, and the share of step time spent in the
environment (opening episodes, tool calls in the jail, grading at the end of each rollout).

The model is random, so it would never write a tool call.  As in tests/test_env_adapters.py, four
tool calls on the slugify task (search, the right fix, a wrong fix, submit) are single tokens of a
byte-level BPE tokenizer trained here, with TRL's qwen3 chat template and response schema, and the
generation config biases sampling towards them: each turn picks one at random, TRL parses it, calls
the episode's tool in the sandbox, and feeds the observation back; ``get_reward`` submits and
grades.  Rollouts that fix and submit score 1.0, the others 0.1 or -0.3: real variance, real work.

Per step: wall time (a TrainerCallback), the environment's seconds in it (GauntletEnvironment's
counter), episodes, tool calls, mean reward; peak GPU memory.  Writes ``--out`` (JSON).

    python bench/env_grpo_gpu.py --preset 0.5b --steps 4          # on a GPU
    python bench/env_grpo_gpu.py --preset tiny --steps 1 --cpu    # smoke run anywhere
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PRESETS = {
    "tiny": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2),
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2),
}


def plugin_manager():
    """The Python plugin, registered directly where it is not installed (the GPU machine)."""
    import harness.plugins as hp

    pm = hp.get_plugin_manager()
    if "python" not in pm.languages():
        import gauntlet_python.plugin

        hp._manager = pm = hp.PluginManager(load_entry_points=False)
        pm.add(gauntlet_python.plugin)
    return pm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="0.5b", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--turns", type=int, default=4)
    ap.add_argument("--completion-length", type=int, default=6144,
                    help="tokens per rollout, tool responses included (the tokenizer trained here splits the "
                         "observations into many tokens)")
    ap.add_argument("--context", type=int, default=16384, help="the model's max_position_embeddings")
    ap.add_argument("--cpu", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "env_grpo_gpu.json"))
    a = ap.parse_args()
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    import torch
    from datasets import Dataset
    from env_agents import BUGS, buggy_copy
    from test_env_adapters import tool_call_tokenizer
    from transformers import LlamaConfig, LlamaForCausalLM, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from harness.env.adapters.trl import GauntletEnvironment
    from harness.env.episode import EpisodeOptions
    from harness.sandbox import jail

    pm = plugin_manager()
    print(json.dumps({"jail": jail.check(), "git": shutil.which("git"), "languages": sorted(pm.languages())}), flush=True)
    _, file, good, bug, _, _ = BUGS["python"]
    tmp = Path(tempfile.mkdtemp(prefix="env-grpo-"))
    task = {"kind": "repository", "repo": str(buggy_copy("python", tmp / "slugify")), "language": "python"}
    tokenizer, calls = tool_call_tokenizer(extra=[("edit", {"path": file, "old": bug, "new": bug + "  # no fix"})])
    device = "cpu" if a.cpu or not torch.cuda.is_available() else "cuda"
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                         eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True,
                                         max_position_embeddings=a.context, **PRESETS[a.preset]))
    if device == "cuda":
        model = model.to(torch.bfloat16)
    ids = [tokenizer.convert_tokens_to_ids(c) for c in calls]
    bias = [[[i], 60.0] for i in ids] + [[[i, tokenizer.eos_token_id], 120.0] for i in ids]
    row = {"prompt": [{"role": "user", "content": "Fix the bug, then submit."}], "gauntlet_task": json.dumps(task)}
    rows = [row] * (a.steps * a.generations)
    GauntletEnvironment.options = EpisodeOptions(max_steps=a.turns + 2, roles=("coder",))
    steps: list[dict] = []

    class Timing(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            self.t0, self.env0 = time.monotonic(), GauntletEnvironment.env_seconds
            self.eps0, self.calls0 = GauntletEnvironment.episodes, GauntletEnvironment.tool_calls

        def on_step_end(self, args, state, control, **kw):
            wall = time.monotonic() - self.t0
            env = GauntletEnvironment.env_seconds - self.env0
            steps.append({"step_seconds": round(wall, 3), "env_seconds": round(env, 3), "env_share": round(env / wall, 4),
                          "episodes": GauntletEnvironment.episodes - self.eps0,
                          "tool_calls": GauntletEnvironment.tool_calls - self.calls0})
            print(json.dumps(steps[-1]), flush=True)

    args = GRPOConfig(output_dir=str(tmp / "out"), per_device_train_batch_size=a.generations, num_generations=a.generations,
                      max_completion_length=a.completion_length, max_steps=a.steps, logging_steps=1, report_to=[], use_cpu=device == "cpu",
                      bf16=device == "cuda", seed=0, learning_rate=1e-6, generation_kwargs={"sequence_bias": bias},
                      save_strategy="no", max_tool_calling_iterations=a.turns)
    trainer = GRPOTrainer(model=model, args=args, processing_class=tokenizer, train_dataset=Dataset.from_list(rows),
                          environment_factory=GauntletEnvironment, callbacks=[Timing()])
    trainer.train()
    rewards = [e["rewards/GauntletEnvironment/mean"] for e in trainer.state.log_history if "rewards/GauntletEnvironment/mean" in e]
    measured = steps[1:] or steps  # the first step pays the model's warm-up
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "preset": a.preset, "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1), "generations_per_step": a.generations,
        "max_turns": a.turns, "task": "examples/python/slugify with an injected bug (repository task), local backend (jail)",
        "steps": steps, "rewards_mean_per_step": rewards,
        "step_seconds_median": statistics.median(s["step_seconds"] for s in measured),
        "env_seconds_median": statistics.median(s["env_seconds"] for s in measured),
        "env_share_of_step_median": statistics.median(s["env_share"] for s in measured),
        "tool_calls_per_rollout": round(sum(s["tool_calls"] for s in steps) / max(1, sum(s["episodes"] for s in steps)), 2),
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == "cuda" else None,
        "note": "env_seconds adds up time inside the environment across the rollouts of a step; rollouts' tool calls run "
                "one after another within TRL's generation loop, so the share is of wall time.",
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "steps"}), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
