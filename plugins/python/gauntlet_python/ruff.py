"""ruff's JSON output -> diagnostics with paths relative to the workspace."""

from __future__ import annotations

import json
import os

from harness.outcome import Diagnostic


def parse(stdout: str, workdir: str) -> list[Diagnostic]:
    out = []
    for item in json.loads(stdout or "[]"):
        loc = item.get("location") or {}
        path = item.get("filename") or ""
        if os.path.isabs(path):
            path = os.path.relpath(path, workdir)
        code = item.get("code")
        syntax = code in (None, "invalid-syntax", "E999")
        out.append(Diagnostic(item.get("message", ""), path, loc.get("row"), loc.get("column"),
                              "error" if syntax else "warning", code or "syntax-error"))
    return out
