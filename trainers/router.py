"""Which adapter answers a prompt: the language named, else the language the prompt shows, else
the registry's default — and only production adapters.

Detection scores what a coding prompt carries: fenced blocks' info strings, file names and
extensions, the language's name, its tools' error formats and its unmistakable syntax.  When the
caller has the workspace, the plugins' own ``gauntlet_detect`` hooks decide first (they look at
marker files such as Cargo.toml or go.mod).  The adapters are loaded once into one PEFT model and switched with
``set_adapter``: the base model's weights never move.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from trainers.registry import Registry

# (pattern, weight): fences, file names, the language's name and its tools' error formats are strong;
# syntax is weaker and may overlap between languages (``let x =``, ``=>``, ``self.``).
SIGNALS: dict[str, list[tuple[str, float]]] = {
    "rust": [(r"```(rust|rs)\b", 5), (r"\b[\w/.-]+\.rs\b", 3), (r"\bCargo\.(toml|lock)\b", 4), (r"\bcargo (test|build|clippy|run)\b", 3),
             (r"\bRust\b", 4), (r"\berror\[E\d{4}\]", 4), (r"panicked at", 3), (r"#\[(derive|test|cfg)\b", 3),
             (r"\buse (std|crate|super)::", 3), (r"\bfn \w+\s*[(<]", 2), (r"\bimpl\b[^\n{]*\{", 2), (r"\blet mut\b", 2),
             (r"\b(Option|Result|Vec|Box)<", 1), (r"\bpub (fn|struct|enum|mod)\b", 2), (r"&mut self|&self", 2)],
    "python": [(r"```(python|py)\b", 5), (r"\b[\w/.-]+\.py\b", 3), (r"\b(pyproject\.toml|setup\.py|requirements\.txt)\b", 4),
               (r"\b[Pp]ython3?\b", 4), (r"Traceback \(most recent call last\)", 4), (r'File "[^"]+", line \d+', 3),
               (r"\bpytest\b", 2), (r"\bdef \w+\(", 2), (r"^\s*(from [\w.]+ )?import [\w., ]+$", 1),
               (r"\bself\.\w+", 1), (r"^\s*class \w+(\(.*\))?:\s*$", 2), (r"^\s*@\w+", 1), (r"\b(None|True|False)\b", 0.5),
               (r"__init__", 2)],
    "typescript": [(r"```(typescript|ts|tsx|javascript|js|jsx)\b", 5), (r"\b[\w/.-]+\.(ts|tsx|mts|cts|js|jsx|mjs)\b", 3),
                   (r"\b(package\.json|tsconfig\.json)\b", 4), (r"\b(TypeScript|JavaScript|Node\.js|Deno)\b", 4),
                   (r"\berror TS\d{4}\b", 4), (r"\b(npm|npx|yarn|pnpm) \w+", 2), (r"\b(vitest|jest)\b", 2),
                   (r"\bimport .+ from ['\"]", 2), (r"\b(const|let) \w+(: [\w<>\[\]| ]+)? =", 1),
                   (r"\binterface \w+ \{", 2), (r":\s*(string|number|boolean)\b", 2), (r"=>", 1),
                   (r"\bconsole\.log\(", 2), (r"\bexport (default|const|function|class)\b", 2)],
    "go": [(r"```(go|golang)\b", 5), (r"\b[\w/.-]+\.go\b", 3), (r"\bgo\.(mod|sum)\b", 4), (r"\bgo (test|build|vet|run)\b", 3),
           (r"\b[Gg]olang\b", 4), (r"\b(in|using|with|idiomatic|written in) Go\b", 4), (r"\bgoroutines?\b", 3),
           (r"^package \w+\s*$", 3), (r"\bfunc (\(\w+ \*?\w+\) )?\w+\(", 3), (r":=", 1), (r"\bimport \(|import \"\w+", 2),
           (r"\bfmt\.\w+", 2), (r"\berr != nil\b", 3), (r"\bdefer \w", 2)],
}
_COMPILED = {lang: [(re.compile(p, re.M), w) for p, w in sigs] for lang, sigs in SIGNALS.items()}


def scores(prompt: str) -> dict[str, float]:
    return {lang: sum(w * min(3, len(rx.findall(prompt))) for rx, w in sigs) for lang, sigs in _COMPILED.items()}


def detect(prompt: str, workspace: Path | None = None, pm=None) -> tuple[str | None, str]:
    """(language, where it came from): the workspace's plugins first, then the prompt's signals."""
    if workspace is not None and Path(workspace).is_dir():
        from harness.plugins import get_plugin_manager

        found = (pm or get_plugin_manager()).detect(Path(workspace))
        if found:
            return found, "workspace"
    s = scores(prompt)
    best = max(sorted(s), key=lambda lang: s[lang])  # ties: alphabetical, so the answer is stable
    return (best, "prompt") if s[best] > 0 else (None, "nothing")


def detect_language(prompt: str, workspace: Path | None = None, pm=None) -> str | None:
    """The workspace's language by the plugins' detect hooks, else the best-scoring prompt signal."""
    return detect(prompt, workspace, pm)[0]


def route(prompt: str, registry: Registry, language: str | None = None, workspace: Path | None = None,
          pm=None) -> tuple[str | None, dict | None, str]:
    """(language, production adapter entry or None, why)."""
    if language:
        lang, why = language, "named explicitly"
    else:
        lang, source = detect(prompt, workspace, pm)
        why = f"detected from the {source}"
        if lang is None:
            lang, why = registry.default_adapter, "nothing detected: the registry's default"
    entry = registry.production(lang) if lang else None
    if entry is None and registry.default_adapter and lang != registry.default_adapter:
        fallback = registry.production(registry.default_adapter)
        if fallback is not None:
            return registry.default_adapter, fallback, f"{why} ({lang}), which has no production adapter: the default"
    return lang, entry, why if entry else f"{why}; no production adapter for {lang}"


class AdapterRouter:
    """Every production adapter loaded once over one base model; ``use`` switches between them."""

    def __init__(self, base_model, registry: Registry):
        from peft import PeftModel

        served = registry.served()
        if not served:
            raise ValueError("the registry has no production adapter to serve")
        self.registry = registry
        self.languages = list(served)
        first, *rest = self.languages
        self.model = PeftModel.from_pretrained(base_model, served[first]["path"], adapter_name=first)
        for lang in rest:
            self.model.load_adapter(served[lang]["path"], adapter_name=lang)
        self.active = first

    def use(self, language: str) -> float:
        """Make ``language``'s adapter the active one; returns the seconds the switch took."""
        if language not in self.languages:
            raise KeyError(f"no production adapter for {language!r} (serving {', '.join(self.languages)})")
        start = time.perf_counter()
        self.model.set_adapter(language)
        self.active = language
        return time.perf_counter() - start

    def for_prompt(self, prompt: str, language: str | None = None, workspace: Path | None = None):
        lang, entry, why = route(prompt, self.registry, language, workspace)
        if entry is None:
            raise KeyError(why)
        self.use(lang)
        return self.model, lang, why
