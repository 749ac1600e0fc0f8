"""The router picks the language from the prompt (or the workspace, or the caller), and switches
real PEFT adapters loaded once over one base model."""

import pytest

from trainers.registry import Registry
from trainers.router import detect_language, route

PROMPTS = {
    "rust": [
        "The test `parses_empty` in src/lexer.rs fails after the last change.",
        "```rust\nfn add(a: i32, b: i32) -> i32 { a - b }\n```\nFix it.",
        "use std::collections::HashMap;\n\nimpl Cache {\n    pub fn get(&mut self, k: &str) -> Option<&Vec<u8>> {\n        let mut x = 0;",
        "cargo test fails: thread 'tests::round_trip' panicked at Cargo.toml's feature flags",
    ],
    "python": [
        "tests/test_slugify.py::test_unicode fails; see slugify/core.py",
        "```python\ndef mean(xs):\n    return sum(xs) / len(xs) - 1\n```",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def pop(self) -> int:\n        return self.items[0]",
        "pytest reports a failure after bumping pyproject.toml",
    ],
    "typescript": [
        "src/parse.ts throws on empty input; the vitest suite fails",
        "```ts\nexport const add = (a: number, b: number): number => a - b;\n```",
        "interface User {\n  name: string;\n  age: number;\n}\nimport { load } from './db';\nexport default function f() {}",
        "npm test fails after updating package.json and tsconfig.json",
    ],
    "go": [
        "TestParse in parser_test.go fails since the last commit",
        "```go\nfunc Add(a, b int) int { return a - b }\n```",
        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tx, err := run()\n\tif err != nil {\n\t\tfmt.Println(err)\n\t}\n}",
        "go test ./... fails; go.mod pins an old version",
    ],
}

# What real requests look like: a task in prose naming the language, a tool's error output, code
# that could be misread as another language's.
REALISTIC = {
    "rust": [
        "Write a Rust function that returns the longest palindromic substring of a &str.",
        "error[E0382]: borrow of moved value: `v`\n  |\n5 |     let w = v;\n  |             - value moved here",
        "#[derive(Debug, Clone)]\npub enum Token { Ident(String), Num(i64) }",
        "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 7'",
    ],
    "python": [
        "Write a Python function that merges two sorted lists without using sorted().",
        "Traceback (most recent call last):\n  File \"/app/cli\", line 3, in <module>\nKeyError: 'name'",
        "async def fetch(session, url):\n    async with session.get(url) as r:\n        return await r.json()",
        "@dataclass\nclass Item:\n    name: str\n    price: float = 0.0",
        "Let's go through it: def double(x): return x*2 is wrong, it should square x.",
    ],
    "typescript": [
        "Write a TypeScript function debounce(fn, ms) that returns a cancellable wrapper.",
        "error TS2322: Type 'string' is not assignable to type 'number'.",
        "function greet(name: string): string {\n  return `hi ${name}`;\n}",
        "const users = await fetch('/api/users').then(r => r.json());\nconsole.log(users.length);",
        "In the React component App.tsx, the state never updates after the click.",
    ],
    "go": [
        "Implement an LRU cache in Go with Get and Put, safe for concurrent use.",
        "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()",
        "func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n}",
        "Fix the data race in cache/cache.go: two goroutines write the map without holding the mutex.",
    ],
}


@pytest.mark.parametrize("language", sorted(PROMPTS))
def test_detection_from_the_prompt(language):
    for prompt in PROMPTS[language] + REALISTIC[language]:
        assert detect_language(prompt) == language, prompt


def test_prose_without_signals_detects_nothing():
    for prompt in ("Please make it faster.", "Go ahead and fix the flaky test.", "Refactor this, it is too long."):
        assert detect_language(prompt) is None, prompt


def test_nothing_to_detect_is_none_and_explicit_wins(tmp_path):
    assert detect_language("Please make it faster.") is None
    reg = Registry.load(tmp_path / "r.yaml")
    ok = {"g": {"passed": True, "value": 1, "threshold": "", "why": ""}}
    for lang in ("rust", "python"):
        reg.register(lang, f"ck/{lang}", "base", "grpo", None, ok)
        reg.promote(lang)
    assert route("Please make it faster.", reg)[:2] == ("rust", reg.production("rust"))  # the default
    assert route(PROMPTS["rust"][1], reg, language="python")[0] == "python"
    lang, entry, why = route(PROMPTS["python"][0], reg)
    assert (lang, entry["path"], why) == ("python", "ck/python", "detected from the prompt")


def test_workspace_detection_through_the_plugins(tmp_path):
    from harness.plugins import get_plugin_manager

    have = get_plugin_manager().languages()
    cases = {"rust": ("Cargo.toml", '[package]\nname = "x"\nversion = "0.1.0"\n'), "go": ("go.mod", "module x\n\ngo 1.21\n"),
             "python": ("pyproject.toml", '[project]\nname = "x"\n'), "typescript": ("package.json", '{"name": "x"}\n')}
    checked = 0
    for lang, (name, text) in cases.items():
        if lang not in have:
            continue
        ws = tmp_path / lang
        ws.mkdir()
        (ws / name).write_text(text)
        # the prompt says Python; the checkout says otherwise, and the checkout wins
        assert detect_language(PROMPTS["python"][1], workspace=ws) == lang
        checked += 1
    if not checked:
        pytest.skip(reason="no language plugin is installed")
    # a directory with no marker file: the plugins stay silent and the prompt decides, and the reason says so
    reg = Registry.load(tmp_path / "r.yaml")
    ok = {"g": {"passed": True, "value": 1, "threshold": "", "why": ""}}
    for lang in sorted(have):
        reg.register(lang, f"ck/{lang}", "base", "grpo", None, ok)
        reg.promote(lang)
    (tmp_path / "empty").mkdir()
    assert route(PROMPTS["go"][1], reg, workspace=tmp_path / "empty")[::2] == ("go", "detected from the prompt")
    lang = next(iter(sorted(set(have) & set(cases))))
    assert route(PROMPTS["go"][1], reg, workspace=tmp_path / lang)[::2] == (lang, "detected from the workspace")


def test_real_adapters_switch(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'gauntlet-harness[train]')")
    pytest.importorskip("peft", reason="peft is not installed (pip install 'gauntlet-harness[train]')")
    from peft import LoraConfig, get_peft_model

    from trainers import tiny
    from trainers.router import AdapterRouter

    tokenizer = tiny.build_tokenizer(["fn main() {}", "def f(): pass", "func F() {}", "const x = 1;"], vocab_size=300)
    base = tiny.build_model(tokenizer, "tiny", seed=0)
    base.save_pretrained(tmp_path / "base")
    reg = Registry.load(tmp_path / "r.yaml")
    ok = {"g": {"passed": True, "value": 1, "threshold": "", "why": ""}}
    for i, lang in enumerate(("rust", "python", "typescript", "go")):
        model = tiny.build_model(tokenizer, "tiny", seed=0)
        torch.manual_seed(i + 1)  # each adapter its own random LoRA weights
        m = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
        m.save_pretrained(tmp_path / lang)
        reg.register(lang, tmp_path / lang, "base", "grpo", None, ok)
        reg.promote(lang)
    router = AdapterRouter(tiny.build_model(tokenizer, "tiny", seed=0), reg)
    assert sorted(router.languages) == ["go", "python", "rust", "typescript"]
    ids = torch.tensor([tokenizer("fn main() {}")["input_ids"]])
    logits = {}
    for lang in ("rust", "go", "rust"):
        seconds = router.use(lang)
        assert seconds >= 0 and router.model.active_adapter == lang
        with torch.no_grad():
            logits.setdefault(lang, []).append(router.model(ids).logits)
    assert not torch.allclose(logits["rust"][0], logits["go"][0])  # different adapters, different outputs
    assert torch.allclose(logits["rust"][0], logits["rust"][1])  # switching back restores the same one
    model, lang, why = router.for_prompt(PROMPTS["go"][2])
    assert lang == "go" and model.active_adapter == "go"
    with pytest.raises(KeyError, match="no production adapter for 'java'"):
        router.use("java")
