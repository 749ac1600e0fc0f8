"""The adapter registry: which adapter serves which language, and how it got there.

One YAML file (default ``checkpoints/adapter_registry.yaml``), shaped like the roadmap's, with the
versions of each language kept so that "retired" means something::

    base_model: Qwen/Qwen2.5-Coder-1.5B-Instruct
    default_adapter: rust
    adapters:
      rust:
        - id: rust-1
          path: checkpoints/adapters/rust_grpo
          base_model: Qwen/Qwen2.5-Coder-1.5B-Instruct
          stage: grpo
          status: production          # trained | evaluating | production | retired
          eval_metrics: {cargo_test_pass_rate: 0.71}
          gates: {mean_reward: {passed: true, value: 0.41, threshold: "> 0.3", why: ...}}
          created: 2026-11-23T00:00:00Z

Only ``production`` entries are served, and an entry becomes ``production`` only when every gate
recorded with it passed; the language's previous production adapter is then ``retired``.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError

STATUSES = ("trained", "evaluating", "production", "retired")
DEFAULT_PATH = Path("checkpoints/adapter_registry.yaml")


class RegistryError(UsageError, ValueError):
    """A registry operation that is not allowed; the message says why."""


@dataclass
class Registry:
    path: Path
    base_model: str | None = None
    default_adapter: str | None = None
    adapters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "Registry":
        import yaml

        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as e:
            raise RegistryError(f"{path}: not valid YAML ({e})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("adapters", {}), dict):
            raise RegistryError(f"{path}: expected a mapping with an 'adapters' mapping")
        adapters = {lang: list(v if isinstance(v, list) else [v]) for lang, v in (raw.get("adapters") or {}).items()}
        for lang, versions in adapters.items():  # a hand edit must not turn into a KeyError at serving time
            for e in versions:
                if not isinstance(e, dict) or not {"id", "path", "status"} <= e.keys() or e["status"] not in STATUSES:
                    raise RegistryError(f"{path}: adapters.{lang}: each version needs id, path and a status "
                                        f"({' | '.join(STATUSES)}); got {e!r}")
        return cls(path, raw.get("base_model"), raw.get("default_adapter"), adapters)

    def save(self) -> None:
        """Atomically: a crash mid-write leaves the old file, never half a registry."""
        import yaml

        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump({"base_model": self.base_model, "default_adapter": self.default_adapter,
                               "adapters": self.adapters}, sort_keys=False)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # --- entries ---------------------------------------------------------------------------------

    def entries(self, language: str | None = None) -> list[dict]:
        langs = [language] if language else sorted(self.adapters)
        return [e for lang in langs for e in self.adapters.get(lang, [])]

    def get(self, language: str, id: str | None = None) -> dict:
        versions = self.adapters.get(language) or []
        if not versions:
            raise RegistryError(f"no adapter registered for {language!r}")
        if id is None:
            return versions[-1]
        for e in versions:
            if e["id"] == id:
                return e
        raise RegistryError(f"{language!r} has no adapter {id!r}; it has {', '.join(e['id'] for e in versions)}")

    def register(self, language: str, path: str | Path, base_model: str, stage: str,
                 metrics: dict | None = None, gates: dict | None = None) -> dict:
        versions = self.adapters.setdefault(language, [])
        n = 1 + max((int(m[1]) for e in versions if (m := re.fullmatch(rf"{re.escape(language)}-(\d+)", str(e["id"])))),
                    default=0)  # never reuse an id, even after a hand edit removed a version
        entry = {"id": f"{language}-{n}", "path": str(path), "base_model": base_model, "stage": stage,
                 "status": "trained", "eval_metrics": dict(metrics or {}), "gates": dict(gates or {}),
                 "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        versions.append(entry)
        self.base_model = self.base_model or base_model
        self.default_adapter = self.default_adapter or language
        return entry

    def set_status(self, language: str, id: str, status: str) -> dict:
        if status not in STATUSES:
            raise RegistryError(f"status must be one of {', '.join(STATUSES)}")
        if status == "production":
            return self.promote(language, id)
        entry = self.get(language, id)
        entry["status"] = status
        return entry

    def promote(self, language: str, id: str | None = None) -> dict:
        entry = self.get(language, id)
        gates = entry.get("gates") or {}
        if not gates:
            raise RegistryError(f"{entry['id']} has no recorded gates: run `gauntlet train gate` first")
        failed = [f"{name} ({g.get('value')} vs {g.get('threshold')})" for name, g in gates.items() if not g.get("passed")]
        if failed:
            raise RegistryError(f"{entry['id']} cannot be promoted; failed gates: {', '.join(failed)}")
        for other in self.adapters[language]:
            if other is not entry and other["status"] == "production":
                other["status"] = "retired"
        entry["status"] = "production"
        return entry

    def production(self, language: str) -> dict | None:
        return next((e for e in reversed(self.adapters.get(language, [])) if e["status"] == "production"), None)

    def served(self) -> dict[str, dict]:
        return {lang: e for lang in sorted(self.adapters) if (e := self.production(lang))}
