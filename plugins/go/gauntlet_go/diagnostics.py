"""Diagnostics from the go command's output.

The compiler and the type checker print one ``file:line:col: message`` line per error (after a
``# import/path`` header), the same on every Go version; ``go vet -json`` prints one JSON object per
package, ``{"import/path": {"analyzer": [{"posn": "file:line:col", "message": ...}]}}``.  File paths
become relative to the workspace where they are inside it.
"""

from __future__ import annotations

import json
import posixpath
import re

from harness.outcome import Diagnostic

_POSITION = re.compile(r"^(?P<file>[^\s:][^:]*\.go):(?P<line>\d+)(?::(?P<col>\d+))?:\s*(?P<msg>.*)$")
_HEADER = re.compile(r"^# (\S+)")


def relative(path: str, workdir: str) -> str:
    """``path`` relative to the workspace (``./x.go`` -> ``x.go``); paths outside it stay as they are."""
    if path.startswith("./"):
        path = path[2:]
    if posixpath.isabs(path):
        rel = posixpath.relpath(path, workdir)
        return path if rel.startswith("..") else rel
    return path


def parse_positions(text: str, workdir: str, severity: str = "error") -> list[Diagnostic]:
    """``file.go:line:col: message`` lines (compiler, ``vet:`` type errors), with their package as code."""
    out: list[Diagnostic] = []
    package = None
    seen = set()
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            package = header.group(1) if not header.group(1).startswith("[") else package
            continue
        if line.startswith("vet: "):
            line = line[5:]
        m = _POSITION.match(line)
        if not m:
            if out and raw.startswith("\t"):  # continuation of a multi-line message
                out[-1].message += "\n" + raw.strip()
            continue
        d = Diagnostic(m["msg"], file=relative(m["file"], workdir), line=int(m["line"]),
                       column=int(m["col"]) if m["col"] else None, severity=severity, code=package)
        key = (d.file, d.line, d.column, d.message)
        if key not in seen:  # go build and go test -run ^$ report the same error twice
            seen.add(key)
            out.append(d)
    return out


def parse_vet_json(text: str, workdir: str) -> list[Diagnostic]:
    """Every diagnostic of the JSON objects that ``go vet -json`` writes (analyzer name as code)."""
    out: list[Diagnostic] = []
    decoder = json.JSONDecoder()
    i = 0
    while True:
        start = text.find("{", i)
        if start < 0:
            return out
        try:
            obj, i = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        for analyzers in obj.values() if isinstance(obj, dict) else ():
            for analyzer, found in (analyzers.items() if isinstance(analyzers, dict) else ()):
                if isinstance(found, dict) and "error" in found:  # the analyzer itself failed
                    out.append(Diagnostic(str(found["error"]), severity="error", code=analyzer))
                    continue
                for item in found if isinstance(found, list) else ():
                    out.append(_from_posn(item.get("posn", ""), item.get("message", ""), workdir, analyzer))


def _from_posn(posn: str, message: str, workdir: str, code: str) -> Diagnostic:
    m = re.match(r"^(.*\.go):(\d+)(?::(\d+))?$", posn)
    if not m:
        return Diagnostic(message, file=posn or None, severity="warning", code=code)
    return Diagnostic(message, file=relative(m[1], workdir), line=int(m[2]),
                      column=int(m[3]) if m[3] else None, severity="warning", code=code)
