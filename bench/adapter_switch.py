"""Adapter switching: how long `set_adapter` takes between four per-language LoRA adapters that
the router loaded once over one base model (the roadmap's "hot-swappable in < 1 s").

The base is a random Llama built here (``--hidden``, ``--layers``); each adapter has the
roadmap's shape (rank 128, alpha 256, q/k/v/o and MLP projections) with random weights.  Also
measures one forward pass after a switch, which is what a served request pays, and what loading
an adapter from disk on each language change would cost instead (what loading them once avoids).
Writes ``bench/results/adapter_switch.json``.

    python bench/adapter_switch.py [--switches 200] [--hidden 256] [--layers 4]
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

LANGS = ("rust", "python", "typescript", "go")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--switches", type=int, default=200)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    args = ap.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from trainers import tiny
    from trainers.registry import Registry
    from trainers.router import AdapterRouter

    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-switch-"))
    tokenizer = tiny.build_tokenizer(["fn main() {}", "def f(): pass", "func F() {}", "const x = 1;"] * 10, vocab_size=300)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=args.hidden, intermediate_size=4 * args.hidden,
                         num_hidden_layers=args.layers, num_attention_heads=max(1, args.hidden // 64),
                         num_key_value_heads=max(1, args.hidden // 64))

    def base():
        torch.manual_seed(0)
        return LlamaForCausalLM(config).eval()

    reg = Registry.load(tmp / "registry.yaml")
    ok = {"bench": {"passed": True, "value": 1, "threshold": "", "why": "bench"}}
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    for i, lang in enumerate(LANGS):
        model = base()
        torch.manual_seed(i + 1)
        get_peft_model(model, LoraConfig(r=128, lora_alpha=256, target_modules=targets,
                                         init_lora_weights=False)).save_pretrained(tmp / lang)
        reg.register(lang, tmp / lang, "random-llama", "grpo", None, ok)
        reg.promote(lang)
    start = time.perf_counter()
    router = AdapterRouter(base(), reg)
    load_seconds = time.perf_counter() - start
    ids = torch.tensor([tokenizer("fn main() {}")["input_ids"]])
    switch, with_forward = [], []
    for n in range(args.switches):
        lang = LANGS[n % len(LANGS)]
        switch.append(router.use(lang))
        t = time.perf_counter()
        router.use(LANGS[(n + 1) % len(LANGS)])
        with torch.no_grad():
            router.model(ids)
        with_forward.append(time.perf_counter() - t)
    # What the router avoids: reading an adapter from disk on a language change instead of keeping it loaded.
    from_disk = []
    for n in range(10):
        t = time.perf_counter()
        router.model.load_adapter(str(tmp / LANGS[n % len(LANGS)]), adapter_name="cold")
        router.model.set_adapter("cold")
        from_disk.append(time.perf_counter() - t)
        router.use(LANGS[0])
        router.model.delete_adapter("cold")
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
    params = sum(p.numel() for n, p in router.model.named_parameters() if "lora_" in n and ".rust." in n)
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "device": "cuda" if torch.cuda.is_available() else "cpu",
        "base": f"random Llama, hidden {args.hidden}, {args.layers} layers",
        "adapters": len(LANGS), "lora": "rank 128 / alpha 256, q/k/v/o/gate/up/down", "lora_params_per_adapter": params,
        "load_all_seconds": round(load_seconds, 3),
        "switch_ms_median": round(statistics.median(switch) * 1e3, 4), "switch_ms_p95": round(q(switch, 0.95) * 1e3, 4),
        "switch_plus_forward_ms_median": round(statistics.median(with_forward) * 1e3, 3),
        "switch_plus_forward_ms_p95": round(q(with_forward, 0.95) * 1e3, 3),
        "load_from_disk_instead_ms_median": round(statistics.median(from_disk) * 1e3, 2),
        "torch_threads": torch.get_num_threads(), "cpu_cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine shows in the p95s
        "switches": args.switches,
    }
    out = ROOT / "bench" / "results" / "adapter_switch.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
