"""SFT -> IPO -> GRPO, each a real TRL run on (Q)LoRA that starts from the previous stage's adapter.

Every stage writes, in ``<output_dir>/<language>_<stage>/``: the adapter and tokenizer,
``run.json`` (config, seed, library versions, data hashes, quantisation, device),
``trainer_state.json`` (TRL's log history) and ``gates.json`` (the promotion gates' verdicts).
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.errors import UsageError
from trainers import data, gates
from trainers.config import PREVIOUS, TrainConfig


class StageError(UsageError, RuntimeError):
    """A stage that cannot start (missing previous adapter, no data); the message says what to run."""


@dataclass
class StageResult:
    stage: str
    output: Path
    gates: dict[str, dict]
    passed: bool
    steps: int
    seconds: float
    stopped_early: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- shared ----------------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("gauntlet", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "bitsandbytes"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _corpus(cfg: TrainConfig) -> list[str]:
    """Raw text of the data files: what a tokenizer built here must cover."""
    texts = []
    for key in ("debug_pairs", "tasks", "trajectories", "ipo_candidates"):
        p = cfg.data_path(key)
        if p and p.is_file():
            texts += p.read_text(encoding="utf-8").splitlines()[:2000]
    return texts


def _previous(cfg: TrainConfig, stage: str) -> Path | None:
    prev = PREVIOUS[stage]
    if prev is None:
        return None
    where = cfg.stage_dir(prev)
    if not (where / "adapter_config.json").exists():
        raise StageError(f"the {stage} stage starts from the {prev} adapter, which is not in {where}: "
                         f"run `gauntlet train {prev} --config {cfg.source}` first")
    return where


def _manifest(cfg: TrainConfig, stage: str, out: Path, note: str, previous: Path | None, extra: dict) -> None:
    import torch

    files = [cfg.data_path(k) for k in ("tasks", "debug_pairs", "trajectories", "ipo_candidates")]
    record = {
        "stage": stage, "language": cfg.language, "model": cfg.model, "seed": cfg.seed,
        "config_file": str(cfg.source), "config": cfg.raw,
        "effective": {"qlora": asdict(cfg.qlora), stage: asdict(getattr(cfg, stage))},
        "previous_adapter": str(previous) if previous else None, "quantization": note,
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "versions": versions(), "data_sha256": data.hashes(files),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.json").write_text(json.dumps(record, indent=1, default=str) + "\n")


def _common_args(cfg: TrainConfig, out: Path) -> dict:
    import torch

    cuda = torch.cuda.is_available()
    return dict(output_dir=str(out), logging_steps=1, save_strategy="no", report_to=[], seed=cfg.seed,
                bf16=cuda, use_cpu=not cuda, gradient_checkpointing=cfg.qlora.gradient_checkpointing)


def _optim(name: str) -> str:
    if "8bit" in name:
        try:
            import bitsandbytes  # noqa: F401
            import torch

            if torch.cuda.is_available():
                return name
        except ImportError:
            pass
        return "adamw_torch"
    return name


def _finish(trainer, tokenizer, out: Path, stage: str, stage_gates: dict, start: float, stopped: str | None,
            extra: dict | None = None) -> StageResult:
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    trainer.state.save_to_json(str(out / "trainer_state.json"))
    gates.write(out, stage, stage_gates)
    run = json.loads((out / "run.json").read_text())
    run.update(finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), steps=trainer.state.global_step,
               seconds=round(time.monotonic() - start, 1), stopped_early=stopped, **(extra or {}))
    (out / "run.json").write_text(json.dumps(run, indent=1, default=str) + "\n")
    return StageResult(stage, out, stage_gates, gates.all_passed(stage_gates), trainer.state.global_step,
                       time.monotonic() - start, stopped, extra or {})


def generate(model, tokenizer, prompts: list[str], max_new_tokens: int, num: int = 1, temperature: float = 0.0) -> list[list[str]]:
    """Completions per prompt (greedy when temperature is 0)."""
    import torch

    outs = []
    model.eval()
    for prompt in prompts:
        enc = tokenizer(prompt, return_tensors="pt", return_token_type_ids=False).to(model.device)
        with torch.no_grad():
            ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=temperature > 0,
                                 temperature=temperature or None, num_return_sequences=num,
                                 pad_token_id=tokenizer.pad_token_id)
        outs.append([tokenizer.decode(x[enc["input_ids"].shape[1]:], skip_special_tokens=True) for x in ids])
    model.train()
    return outs


def _held_out_prompts(cfg: TrainConfig, tokenizer, out: Path, n: int) -> list[str]:
    tasks = cfg.data_path("tasks")
    if not tasks or not tasks.is_file():
        return []
    rows = data.grpo_rows(tokenizer, tasks, out / "work", cfg.seed)[:n]
    return [r["prompt"] for r in rows]


# --- stages ----------------------------------------------------------------------------------------

def run_sft(cfg: TrainConfig, max_new_tokens: int = 512) -> StageResult:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from trainers.model import load_base, with_adapter

    start, out = time.monotonic(), cfg.stage_dir("sft")
    model, tokenizer, note = load_base(cfg, _corpus(cfg))
    texts = data.sft_texts(tokenizer, cfg.data_path("debug_pairs"), cfg.data_path("trajectories"))
    model = with_adapter(model, cfg, None)
    _manifest(cfg, "sft", out, note, None, {"examples": len(texts)})
    s = cfg.sft
    args = SFTConfig(**_common_args(cfg, out), num_train_epochs=s.epochs, learning_rate=s.learning_rate,
                     per_device_train_batch_size=s.batch_size, gradient_accumulation_steps=s.grad_accum,
                     packing=s.packing, max_length=s.max_length, max_steps=s.max_steps, optim=_optim(s.optim),
                     dataset_text_field="text")
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_dict({"text": texts}),
                         processing_class=tokenizer)
    trainer.train()
    prompts = _held_out_prompts(cfg, tokenizer, out, s.accuracy_samples)
    generations = [g[0] for g in generate(trainer.model, tokenizer, prompts, max_new_tokens)] if prompts else []
    accuracy = gates.tool_call_accuracy(generations) if generations else None
    return _finish(trainer, tokenizer, out, "sft", gates.sft_gates(trainer.state.log_history, accuracy, s), start,
                   None, {"tool_call_accuracy": accuracy, "held_out": len(generations)})


def run_ipo(cfg: TrainConfig, samples_per_task: int = 4, max_new_tokens: int = 512) -> StageResult:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from trainers.model import load_base, with_adapter

    start, out = time.monotonic(), cfg.stage_dir("ipo")
    previous = _previous(cfg, "ipo")
    model, tokenizer, note = load_base(cfg, _corpus(cfg))
    model = with_adapter(model, cfg, previous)
    tasks_path = cfg.data_path("tasks")
    if not tasks_path:
        raise StageError("IPO ranks completions of tasks: set data.tasks in the config")
    tasks = data.read_jsonl(tasks_path)
    cand_path = cfg.data_path("ipo_candidates")
    if cand_path:
        candidates = data.read_candidates(cand_path)
        origin = str(cand_path)
    else:  # sample the SFT adapter, as the roadmap does
        rows = data.grpo_rows(tokenizer, tasks_path, out / "work", cfg.seed)
        sampled = generate(model, tokenizer, [r["prompt"] for r in rows], max_new_tokens, samples_per_task, 0.7)
        candidates = {r["instance_id"]: s for r, s in zip(rows, sampled, strict=False)}
        origin = f"sampled from {previous} ({samples_per_task} per task)"
    pairs, stats = data.preference_pairs(tokenizer, tasks, candidates, out / "work", seed=cfg.seed)
    if not pairs:
        raise StageError(f"no preference pairs: every task's candidates ranked equal ({stats}); "
                         "give data.ipo_candidates or more samples")
    _manifest(cfg, "ipo", out, note, previous, {"pairs": stats, "candidates": origin})
    i = cfg.ipo
    args = DPOConfig(**_common_args(cfg, out), loss_type=["ipo"], beta=i.beta, learning_rate=i.learning_rate,
                     num_train_epochs=i.epochs, per_device_train_batch_size=i.batch_size,
                     gradient_accumulation_steps=i.grad_accum, max_length=i.max_length, max_steps=i.max_steps)
    abort = gates.ipo_abort_callback(i)
    trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer, callbacks=[abort],
                         train_dataset=Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in pairs]))
    if len(trainer.train_dataset) == 0:
        raise StageError(f"all {len(pairs)} preference pairs were dropped by the trainer (longer than ipo.max_length "
                         f"= {i.max_length} tokens?)")
    trainer.train()
    return _finish(trainer, tokenizer, out, "ipo", gates.ipo_gates(trainer.state.log_history, i), start,
                   abort.reason, {"pairs": stats})


def curriculum_callback(stages: tuple[tuple[int, int], ...]):
    """The roadmap's sequence-length curriculum: the generation budget grows with the step.

    Prompts are whatever the task holds; the curriculum bounds what the policy may generate, which
    is where long-context behaviour (and its cost) comes from.
    """
    from transformers import TrainerCallback

    class Curriculum(TrainerCallback):
        def __init__(self):
            self.trainer = None
            self.applied: list[tuple[int, int]] = []  # (step, length) at each change

        def length_at(self, step: int) -> int:
            return [n for at, n in stages if step >= at][-1]

        def on_step_begin(self, args, state, control, **kwargs):
            n = self.length_at(state.global_step)
            t = self.trainer
            if t is not None and t.max_completion_length != n:
                t.max_completion_length = n
                if getattr(t, "generation_config", None) is not None:
                    t.generation_config.max_new_tokens = n
                self.applied.append((state.global_step, n))

    return Curriculum()


def run_grpo(cfg: TrainConfig, reward_funcs: list[Callable] | None = None, generation_kwargs: dict | None = None,
             callbacks: list | None = None, fresh: bool = False) -> StageResult:
    """GRPO from the IPO adapter (``fresh``: from a new LoRA, for measurements of the stage alone)."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from harness.rewards.trl import gauntlet_reward_func
    from trainers.model import load_base, with_adapter

    start, out = time.monotonic(), cfg.stage_dir("grpo")
    previous = None if fresh else _previous(cfg, "grpo")
    model, tokenizer, note = load_base(cfg, _corpus(cfg))
    model = with_adapter(model, cfg, previous)
    tasks_path = cfg.data_path("tasks")
    if not tasks_path:
        raise StageError("GRPO needs Gauntlet tasks: set data.tasks in the config")
    rows = data.grpo_rows(tokenizer, tasks_path, out / "work", cfg.seed)
    _manifest(cfg, "grpo", out, note, previous, {"tasks": len(rows)})
    g = cfg.grpo
    first = g.curriculum[0][1]
    args = GRPOConfig(**_common_args(cfg, out), learning_rate=g.learning_rate, num_generations=g.num_generations,
                      temperature=g.temperature, per_device_train_batch_size=g.batch_size,
                      gradient_accumulation_steps=g.grad_accum, max_completion_length=first, max_steps=g.max_steps,
                      generation_kwargs=generation_kwargs)
    curriculum = curriculum_callback(g.curriculum)
    collapse = gates.grpo_collapse_callback(g)
    trainer = GRPOTrainer(model=model, args=args, processing_class=tokenizer,
                          reward_funcs=reward_funcs or [gauntlet_reward_func],
                          train_dataset=Dataset.from_list(rows), callbacks=[curriculum, collapse, *(callbacks or [])])
    curriculum.trainer = trainer
    trainer.train()
    return _finish(trainer, tokenizer, out, "grpo", gates.grpo_gates(trainer.state.log_history, g), start,
                   collapse.reason, {"curriculum_applied": curriculum.applied})


RUNNERS = {"sft": run_sft, "ipo": run_ipo, "grpo": run_grpo}
