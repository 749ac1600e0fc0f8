"""A tiny random-initialised causal LM and a tokenizer trained on the spot.

No model can be downloaded in CI (or on an air-gapped cluster): tests, smoke runs and the GPU
bench build their model from a config instead.  ``model = "tiny"`` in a trainer config means this
(hidden 32, 2 layers); ``model = "config:<preset>"`` builds a larger random model of a known shape
(``0.5b``) for speed measurements.  The tokenizer is a byte-level BPE trained on the texts it will
see, with a chat template that renders Gauntlet's Harmony-style messages.
"""

from __future__ import annotations

from typing import Iterable

# Renders developer / user / assistant / tool messages; the Harmony channels (thinking,
# tool_call, tool_result) live inside the contents, so any chat template carries them.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL = ["<unk>", "<pad>", "<eos>"]
PRESETS = {
    "tiny": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2),
    # about 0.5 B parameters with a 32k vocabulary: Qwen2.5-0.5B's shape, random weights.
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, max_position_embeddings=32768),
}


def build_tokenizer(texts: Iterable[str], vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = list(texts) or ["def f():\n    return 1\n"]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>")
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer, preset: str = "tiny", seed: int = 0, dtype=None):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                         eos_token_id=tokenizer.eos_token_id, bos_token_id=None, tie_word_embeddings=True,
                         **PRESETS[preset])
    model = LlamaForCausalLM(config)
    return model.to(dtype) if dtype is not None else model
