"""Base model, tokenizer and adapters: QLoRA where the hardware allows, the same LoRA otherwise.

QLoRA is 4-bit NF4 with double quantisation and bf16 compute (bitsandbytes, CUDA only).  On a
machine without either (CI, a laptop), the stage still runs: LoRA on the full-precision model, and
the run's manifest says so — never a silent switch.

Models named ``tiny`` or ``config:<preset>`` are random-initialised from a config (no download);
the first stage saves that base and its tokenizer under ``<output_dir>/<language>_base`` so every
later stage trains on the very same weights and vocabulary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from trainers.config import TrainConfig


def _random_base(cfg: TrainConfig, texts: Iterable[str]) -> Path:
    from trainers import tiny
    from trainers.harmony import MARKERS

    where = Path(cfg.output_dir) / f"{cfg.language}_base"
    if not (where / "config.json").exists():
        preset = "tiny" if cfg.model == "tiny" else cfg.model.split(":", 1)[1]
        vocab = 400 if preset == "tiny" else 32000
        tokenizer = tiny.build_tokenizer([*texts, *MARKERS] * 2, vocab_size=vocab)
        model = tiny.build_model(tokenizer, preset, seed=cfg.seed)
        where.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(where)
        tokenizer.save_pretrained(where)
    return where


def quantization(cfg: TrainConfig) -> tuple[object | None, str]:
    """(BitsAndBytesConfig or None, why) — 4-bit only when asked for and possible."""
    import torch

    if not cfg.qlora.load_in_4bit:
        return None, "full precision (qlora.load_in_4bit = false)"
    if not torch.cuda.is_available():
        return None, "full precision: 4-bit QLoRA needs a CUDA GPU"
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        return None, "full precision: 4-bit QLoRA needs bitsandbytes (pip install bitsandbytes)"
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=torch.bfloat16), "4-bit NF4, double quantisation, bf16 compute"


def load_base(cfg: TrainConfig, texts: Iterable[str] = ()):
    """(model, tokenizer, quantisation note)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = cfg.model
    if name == "tiny" or name.startswith("config:"):
        name = str(_random_base(cfg, texts))
    tokenizer = AutoTokenizer.from_pretrained(name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    bnb, note = quantization(cfg)
    kwargs = {"quantization_config": bnb} if bnb else {}
    if torch.cuda.is_available():
        kwargs["dtype"] = torch.bfloat16  # transformers >= 4.56 (the train extra's floor)
    model = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    if bnb:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.qlora.gradient_checkpointing)
    return model, tokenizer, note


def lora_targets(model, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """(target_modules, target_parameters): the wanted projections, plus MoE experts.

    Expert layers that are ``nn.Linear`` per expert are matched by name, whatever the model calls
    them (``w1``/``w2``/``w3`` in Mixtral); experts stored as fused 3-D parameters (gpt-oss style
    ``experts.gate_up_proj``) need PEFT's ``target_parameters``.  The router stays frozen.
    """
    import torch

    wanted = set(wanted)
    modules, params = set(), set()
    for name, module in model.named_modules():
        last = name.rsplit(".", 1)[-1]
        linear = isinstance(module, torch.nn.Linear)
        if linear and (last in wanted or ".experts." in name):  # Mixtral-style experts: w1 / w2 / w3
            modules.add(last)
        if re.search(r"(^|\.)experts$", name):
            for pname, p in module.named_parameters(recurse=False):
                if p.dim() == 3:
                    params.add(f"experts.{pname}")
    if not modules and not params:
        raise ValueError(f"none of the LoRA target modules {sorted(wanted)} exist in this model")
    return sorted(modules), sorted(params)


def with_adapter(model, cfg: TrainConfig, previous: Path | None):
    """A trainable adapter: a new LoRA, or the previous stage's.

    For IPO, TRL's DPOTrainer copies a pretrained adapter into a frozen "ref" adapter itself, so
    the reference policy is the SFT adapter, not the bare base model.
    """
    from peft import LoraConfig, PeftModel, get_peft_model

    if previous is not None:
        return PeftModel.from_pretrained(model, str(previous), is_trainable=True)
    modules, params = lora_targets(model, cfg.qlora.target_modules)
    config = LoraConfig(r=cfg.qlora.rank, lora_alpha=cfg.qlora.alpha, lora_dropout=cfg.qlora.dropout,
                        target_modules=modules, task_type="CAUSAL_LM",
                        **({"target_parameters": params} if params else {}))
    return get_peft_model(model, config)
