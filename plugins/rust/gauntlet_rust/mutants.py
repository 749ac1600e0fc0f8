"""cargo-mutants as a candidate source for task generation (``--source cargo-mutants``).

``cargo mutants --list --json`` gives each mutant's file, span and replacement.  The change is
rebuilt from the span rather than taken from its ``--diff``: that diff marks the line with a
``/* ~ changed by cargo-mutants ~ */`` comment, which would give the bug away in a task's buggy
file.  Listing builds nothing and runs none of the project's code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from harness.mutation import Mutation, MutationTool, minimal_edit


def installed() -> bool:
    return shutil.which("cargo-mutants") is not None


def candidates(tree: Path, files: list[str] | None = None) -> list[Mutation]:
    """The whole crate's mutants (cargo-mutants lists them all; the core keeps those of ``files``)."""
    done = subprocess.run(["cargo", "mutants", "--list", "--json", "--dir", str(tree)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"cargo mutants --list failed: {done.stderr.strip()[-500:]}")
    return from_cargo_mutants_json(tree, json.loads(done.stdout))


def from_cargo_mutants_json(tree: Path, records: list[dict]) -> list[Mutation]:
    """cargo-mutants spans are 1-based lines and 1-based character columns, end exclusive."""
    out: list[Mutation] = []
    texts: dict[str, str] = {}
    for rec in records:
        path, span = rec["file"], rec.get("span")
        if not span or "replacement" not in rec:
            continue
        if path not in texts:
            texts[path] = (tree / path).read_bytes().decode("utf-8")
        text = texts[path]
        start, end = _offset(text, span["start"]), _offset(text, span["end"])
        if start is None or end is None or end < start:
            continue
        after = text[:start] + rec["replacement"] + text[end:]
        m = minimal_edit(path, text, after, f"cargo-mutants-{rec.get('genre', 'mutant')}")
        if m:
            out.append(m)
    return out


def _offset(text: str, pos: dict) -> int | None:
    line, column = pos["line"], pos["column"]
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at)
        if at < 0:
            return None
        at += 1
    return at + column - 1


TOOL = MutationTool(name="cargo-mutants", install="cargo install --locked cargo-mutants", installed=installed,
                    candidates=candidates)
