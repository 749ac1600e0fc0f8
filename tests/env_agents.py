"""Scripted agents (no model) and the tasks they work on, shared by the environment's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "plugins"

# language: (project, file, correct text, injected bug, tool on PATH, sessions need the network)
BUGS = {
    "python": (ROOT / "examples" / "python" / "slugify", "slugify/core.py",
               "words = [w for w in _NON_WORD.split(ascii_text.lower()) if w]",
               "words = _NON_WORD.split(ascii_text.lower())", "python3", False),
    "rust": (PLUGINS / "rust" / "tests" / "projects" / "textstats", "src/lib.rs",
             "text.split_whitespace().count()\n", "text.split_whitespace().count() + 1\n", "cargo", False),
    "go": (PLUGINS / "go" / "tests" / "projects" / "textkit", "words/words.go",
           "return len(strings.Fields(s))", "return len(strings.Fields(s)) + 1", "go", False),
    "typescript": (PLUGINS / "typescript" / "tests" / "packages" / "nodetest_js", "src/queue.js",
                   "this.items.length >= this.capacity", "this.items.length > this.capacity", "node", True),
}


def fixed_copy(language: str, dest: Path) -> Path:
    """The project with its correct code (the Python example ships broken: its fix.diff is applied)."""
    project, file, good, bug, _, _ = BUGS[language]
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("target", "node_modules", "__pycache__"))
    if language == "python":
        text = (dest / file).read_text()
        (dest / file).write_text(text.replace(bug, good))
    return dest


def buggy_copy(language: str, dest: Path) -> Path:
    project, file, good, bug, _, _ = BUGS[language]
    fixed_copy(language, dest)
    text = (dest / file).read_text()
    assert good in text, f"{file} no longer holds {good!r}"
    (dest / file).write_text(text.replace(good, bug, 1))
    return dest


def fixing_agent(ep, file: str, bug: str, good: str) -> list:
    """Search for the bug, read around it, run the tests, edit, run them again, look at the diff, submit."""
    seen = [ep.reset()]
    hit = ep.step({"name": "search", "arguments": {"pattern": bug.strip()}})
    seen.append(hit)
    line = hit.data["matches"][0]["line"]
    seen.append(ep.step({"name": "read_file", "arguments": {"path": file, "start_line": max(1, line - 3), "end_line": line + 3}}))
    seen.append(ep.step({"name": "run_tests", "arguments": {}}))
    seen.append(ep.step({"name": "edit", "arguments": {"path": file, "old": bug, "new": good}}))
    seen.append(ep.step({"name": "run_tests", "arguments": {}}))
    seen.append(ep.step({"name": "git_diff", "arguments": {}}))
    seen.append(ep.step('{"name": "submit", "arguments": {}}'))
    return seen
