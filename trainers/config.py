"""Trainer configs: one TOML file per language adapter, the roadmap's values as defaults.

```toml
language = "rust"
model = "Qwen/Qwen2.5-Coder-0.5B"     # a hub name, a local path, "tiny" or "config:0.5b"
output_dir = "checkpoints/adapters"   # stages write <output_dir>/<language>_<stage>/
seed = 0
[data]
tasks = "data/rust/tasks.jsonl"       # `gauntlet tasks generate` output (GRPO prompts, IPO tasks)
debug_pairs = "data/rust/tasks.debug.jsonl"   # SFT
trajectories = ""                    # optional extra SFT data (messages per line)
ipo_candidates = ""                  # {instance_id, completions: [...]} per line, ranked by Gauntlet
[sft]
learning_rate = 3e-5
```

Every key of a stage table overrides the dataclass default below; unknown keys are an error that
names the key, so a typo never silently trains with a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from harness.errors import UsageError

try:
    import tomllib
except ImportError:  # Python 3.10: the same parser, from PyPI (the train extra installs it)
    import tomli as tomllib

STAGES = ("sft", "ipo", "grpo")
PREVIOUS = {"sft": None, "ipo": "sft", "grpo": "ipo"}


@dataclass
class QLoRA:
    load_in_4bit: bool = True  # NF4 + double quantisation + bf16 compute (needs CUDA and bitsandbytes)
    rank: int = 128
    alpha: int = 256
    dropout: float = 0.05
    gradient_checkpointing: bool = True  # memory for long sequences; costs recomputation (and KV-cache-free generation)
    # attention and MLP projections; MoE expert projections are found by name (see model.py)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class SFT:
    epochs: float = 2
    learning_rate: float = 3e-5
    batch_size: int = 1
    grad_accum: int = 4
    packing: bool = True
    max_length: int = 4096
    max_steps: int = -1
    optim: str = "adamw_8bit"  # falls back to adamw_torch without bitsandbytes
    max_loss: float = 0.5  # promotion gate
    min_tool_call_accuracy: float = 0.95
    accuracy_samples: int = 16  # held-out prompts generated at the end for the format gate


@dataclass
class IPO:
    epochs: float = 1
    learning_rate: float = 5e-7
    beta: float = 0.1
    batch_size: int = 1
    grad_accum: int = 16
    max_length: int = 4096
    max_steps: int = -1
    kl_warn: float = 0.3
    kl_abort: float = 0.5
    min_chosen_wins: float = 0.8


@dataclass
class GRPO:
    max_steps: int = 5000
    learning_rate: float = 1e-6
    num_generations: int = 4
    temperature: float = 0.7
    batch_size: int = 4  # completions per device step; a multiple of num_generations
    grad_accum: int = 8
    max_prompt_length: int = 4096
    # the roadmap's curriculum: (from step, sequence length)
    curriculum: tuple[tuple[int, int], ...] = ((0, 4096), (1000, 8192), (2000, 16384), (3500, 32768))
    min_mean_reward: float = 0.3  # over the last `window` steps
    window: int = 500
    min_reward_std: float = 0.01
    min_max_reward: float = 0.7
    reward_workers: int = 8


@dataclass
class TrainConfig:
    language: str
    model: str
    output_dir: Path = Path("checkpoints/adapters")
    seed: int = 0
    data: dict[str, str] = field(default_factory=dict)
    qlora: QLoRA = field(default_factory=QLoRA)
    sft: SFT = field(default_factory=SFT)
    ipo: IPO = field(default_factory=IPO)
    grpo: GRPO = field(default_factory=GRPO)
    source: Path | None = None  # the file it was read from
    raw: dict[str, Any] = field(default_factory=dict)

    def stage_dir(self, stage: str) -> Path:
        return Path(self.output_dir) / f"{self.language}_{'core_agent' if stage == 'sft' else stage}"

    def data_path(self, key: str) -> Path | None:
        value = self.data.get(key)
        if not value:
            return None
        p = Path(value)
        return p if p.is_absolute() or self.source is None else (self.source.parent / p)


class ConfigError(UsageError, ValueError):
    """A config file that cannot be used; the message names the file and key."""


def _apply(section: Any, values: dict, where: str) -> Any:
    known = {f.name: f for f in fields(section)}
    out = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(known))}")
        if isinstance(getattr(section, key), tuple):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        out[key] = value
    return replace(section, **out)


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from None
    for (section, key), value in (overrides or {}).items():
        raw.setdefault(section, {})[key] = value
    for key in ("language", "model"):
        if key not in raw:
            raise ConfigError(f"{path}: missing {key!r}")
    top = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    unknown = set(top) - {"language", "model", "output_dir", "seed"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    cfg = TrainConfig(language=raw["language"], model=raw["model"], seed=int(raw.get("seed", 0)),
                      data=dict(raw.get("data", {})), source=path.resolve(), raw=raw)
    out = Path(raw.get("output_dir", "checkpoints/adapters"))
    cfg.output_dir = out if out.is_absolute() else path.resolve().parent / out
    for name, cls in (("qlora", cfg.qlora), ("sft", cfg.sft), ("ipo", cfg.ipo), ("grpo", cfg.grpo)):
        setattr(cfg, name, _apply(cls, raw.get(name, {}), f"{path} [{name}]"))
    extra = set(k for k, v in raw.items() if isinstance(v, dict)) - {"data", "qlora", "sft", "ipo", "grpo"}
    if extra:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(extra))}")
    return cfg
