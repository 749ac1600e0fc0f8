"""rustc / clippy diagnostics from cargo's ``--message-format=json`` stream.

Each ``compiler-message`` line carries rustc's JSON diagnostic: level, code, message and spans
(file names relative to the workspace root).  Summary messages ("3 warnings emitted") have no span
and are dropped; the same diagnostic reported for the lib and its test build is kept once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from harness.outcome import Diagnostic

LEVELS = {"error": "error", "error: internal compiler error": "error", "warning": "warning"}


def messages(stdout: str) -> Iterator[dict]:
    """Every JSON object cargo printed (one per line; other lines are ignored)."""
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def compiler_diagnostics(stdout: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple] = set()
    for msg in messages(stdout):
        if msg.get("reason") != "compiler-message":
            continue
        d = to_diagnostic(msg.get("message") or {})
        if d is None:
            continue
        key = (d.file, d.line, d.column, d.code, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def to_diagnostic(message: dict) -> Diagnostic | None:
    severity = LEVELS.get(message.get("level", ""))
    spans = message.get("spans") or []
    if severity is None or not spans:
        return None
    span = next((s for s in spans if s.get("is_primary")), spans[0])
    # A span inside a macro expanded from elsewhere points at the macro's definition; report
    # the place in the user's code where it was invoked.
    while span.get("expansion") and span["file_name"].startswith("<"):
        span = span["expansion"]["span"]
    code = (message.get("code") or {}).get("code")
    return Diagnostic(
        message=message.get("message", ""),
        file=span.get("file_name"),
        line=span.get("line_start"),
        column=span.get("column_start"),
        severity=severity,
        code=code,
    )


def cargo_errors(stderr: str, file: str = "Cargo.toml") -> list[Diagnostic]:
    """Errors cargo itself printed (bad manifest, resolution): no JSON exists for these."""
    text = stderr.strip()
    start = text.find("error:")
    if start < 0:
        return [Diagnostic(text[-2000:] or "cargo failed without a message", file=file)]
    return [Diagnostic(text[start + len("error:"):].strip()[:2000], file=file)]
