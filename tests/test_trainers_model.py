"""LoRA targets: attention and MLP projections, and MoE experts where the model has them."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'gauntlet-harness[train]')")
transformers = pytest.importorskip("transformers", reason="transformers is not installed (pip install 'gauntlet-harness[train]')")

from trainers.config import QLoRA  # noqa: E402
from trainers.model import lora_targets  # noqa: E402

SMALL = dict(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
             num_key_value_heads=2)


def test_dense_model_targets_attention_and_mlp():
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**SMALL))
    modules, params = lora_targets(model, QLoRA().target_modules)
    assert modules == ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"] and params == []


def test_moe_experts_are_targets_and_the_router_is_not():
    model = transformers.MixtralForCausalLM(transformers.MixtralConfig(**SMALL, num_local_experts=4, num_experts_per_tok=2))
    expert_linears = {n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                      if ".experts." in n and isinstance(m, torch.nn.Linear)}
    fused = {n for n, m in model.named_modules() if n.endswith(".experts")
             and any(p.dim() == 3 for p in m.parameters(recurse=False))}
    modules, params = lora_targets(model, QLoRA().target_modules)
    if expert_linears:  # one nn.Linear per expert (transformers 4.x): matched whatever this version calls them
        assert expert_linears <= set(modules)
    else:  # experts fused into 3-D weights (transformers 5.x): PEFT's target_parameters
        assert fused and params and all(p.startswith("experts.") for p in params)
    assert {"q_proj", "k_proj", "v_proj", "o_proj"} <= set(modules)
    assert "gate" not in modules  # the router


def test_missing_targets_are_an_error():
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**SMALL))
    with pytest.raises(ValueError, match="none of the LoRA target modules"):
        lora_targets(model, ("c_attn",))
