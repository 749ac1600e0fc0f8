"""Candidate bugs from the languages' own mutation tools, as the same ``Mutation`` records the
plugins propose, so validation, dedupe and task writing do not care where a candidate came from.

- ``cargo-mutants`` (Rust): ``cargo mutants --list --json`` gives each mutant's file, span and
  replacement.  We rebuild the change from the span rather than taking its ``--diff``: that diff
  marks the line with a ``/* ~ changed by cargo-mutants ~ */`` comment, which would give the bug
  away in a task's buggy file.
- ``mutmut`` (Python, 3.x): its operators run on each source file in a helper process
  (``harness.tasks.mutmut_list``); each mutant becomes one plain edit of the file.  mutmut's own
  files (trampolines, ``mutants/``) are never written.

Both are optional: a missing tool is a ``NativeToolMissing`` with the command that installs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.errors import UsageError
from harness.mutation import Mutation, make_mutation

SOURCES = ("plugin", "cargo-mutants", "mutmut")


class NativeToolMissing(UsageError, RuntimeError):
    """The native mutation tool asked for is not installed."""


def require(source: str) -> None:
    """Fail before any work when a source is unknown or its tool is missing."""
    if source not in SOURCES:
        raise ValueError(f"unknown candidate source {source!r}; choose from {', '.join(SOURCES)}")
    if source == "cargo-mutants" and not shutil.which("cargo-mutants"):
        raise NativeToolMissing("cargo-mutants is not installed: cargo install --locked cargo-mutants")
    if source == "mutmut":  # found, not imported: the listing imports it in its own process
        try:
            found = importlib.util.find_spec("mutmut.mutation.file_mutation") is not None
        except ImportError:
            found = False
        if not found:
            raise NativeToolMissing("mutmut 3 is not installed: pip install 'mutmut>=3.3'")


def native_candidates(source: str, tree: Path, files: list[str] | None = None) -> list[Mutation]:
    """Candidates from one native tool over the clean tree, in the tool's order."""
    if source == "cargo-mutants":
        return cargo_mutants(tree)
    if source == "mutmut":
        return mutmut(tree, files)
    raise ValueError(f"unknown candidate source {source!r}; choose from {', '.join(SOURCES)}")


def minimal_edit(path: str, before: str, after: str, operator: str) -> Mutation | None:
    """The smallest span that turns ``before`` into ``after`` (common prefix and suffix dropped)."""
    if before == after:
        return None
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return make_mutation(path, before, start, end_b, after[start:end_a], operator)


# --- Rust: cargo-mutants ------------------------------------------------------------------------

def cargo_mutants(tree: Path) -> list[Mutation]:
    require("cargo-mutants")
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


# --- Python: mutmut ------------------------------------------------------------------------------

def mutmut(tree: Path, files: list[str] | None = None) -> list[Mutation]:
    require("mutmut")
    files = _python_sources(tree) if files is None else files
    done = subprocess.run([sys.executable, "-m", "harness.tasks.mutmut_list", str(tree), *files],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"listing mutmut's mutants failed: {done.stderr.strip()[-500:]}")
    out: list[Mutation] = []
    sources: dict[str, str] = {}
    for line in done.stdout.splitlines():
        rec = json.loads(line)
        path = rec["file"]
        if path not in sources:
            sources[path] = (tree / path).read_bytes().decode("utf-8")
        m = minimal_edit(path, sources[path], rec["after"], "mutmut")
        if m:
            out.append(m)
    return out


def _python_sources(tree: Path) -> list[str]:
    """Non-test ``.py`` files.  The Python plugin has the same rule (``source_files``), but the core
    never imports a plugin; keep the two in step."""
    skip = {".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", "mutants"}
    found = []
    for root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info") and d not in ("tests", "test")]
        for n in names:
            if n.endswith(".py") and not (n.startswith("test_") or n.endswith("_test.py")
                                          or n in ("conftest.py", "setup.py", "noxfile.py")):
                found.append((Path(root) / n).relative_to(tree).as_posix())
    return sorted(found)
