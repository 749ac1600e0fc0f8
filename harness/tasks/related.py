"""Which of the stable tests exercise a mutated file: the kill check runs those first.

Most candidates survive, and a survivor costs a whole suite run; running only the tests that can
see the mutated file first makes a survivor cheap.  The rules are the language plugin's answer to
``gauntlet_related_tests`` (they read the clean tree and over-approximate); a language without one
runs the whole suite.  ``by_test_file`` is the building block the plugins share.

``None`` means "run the whole suite"; so does an empty selection.
"""

from __future__ import annotations

import re
from pathlib import Path


def related_tests(tree: Path, language: str, file: str, stable: list[str], pm=None) -> list[str] | None:
    """The plugin's selection when it narrows the suite; None (the whole suite) otherwise."""
    from harness.plugins import UnknownLanguage, get_plugin_manager

    pm = pm or get_plugin_manager()
    try:
        chosen = pm.for_language(language).gauntlet_related_tests(workspace=Path(tree), language=language,
                                                                  file=file, stable=stable)
    except UnknownLanguage:
        return None
    return chosen if chosen and len(chosen) < len(stable) else None


def read_text(path: Path) -> str:
    """A file's text, or "" when it cannot be read (a test id that names no file)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def by_test_file(tree: Path, stable: list[str], sep: str, pattern: re.Pattern) -> list[str]:
    """The tests whose file (the part of the id before ``sep``) matches ``pattern``; each file is
    read once."""
    files: dict[str, bool] = {}
    out = []
    for test in stable:
        name = test.split(sep, 1)[0]
        if name not in files:
            files[name] = bool(pattern.search(read_text(tree / name)))
        if files[name]:
            out.append(test)
    return out
