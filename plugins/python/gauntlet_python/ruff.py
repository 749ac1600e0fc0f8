"""ruff's JSON output -> diagnostics with paths relative to the workspace."""

from __future__ import annotations

import json
import os

from harness.outcome import Diagnostic


def parse(stdout: str, workdir: str) -> list[Diagnostic]:
    """Raises ValueError (JSONDecodeError included) for output that is not ruff's JSON list."""
    items = json.loads(stdout or "[]")
    if not isinstance(items, list):
        raise ValueError(f"expected a JSON list of diagnostics, got {type(items).__name__}")
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        loc = item.get("location") if isinstance(item.get("location"), dict) else {}
        path = str(item.get("filename") or "")
        if os.path.isabs(path):
            path = os.path.relpath(path, workdir)
        code = item.get("code")
        syntax = code in (None, "invalid-syntax", "E999")
        out.append(Diagnostic(str(item.get("message", "")), path, loc.get("row"), loc.get("column"),
                              "error" if syntax else "warning", str(code or "syntax-error")))
    return out
