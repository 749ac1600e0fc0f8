"""Python's rule for ``gauntlet_related_tests``: the test files (the part of the id before ``::``)
that name the mutated file's module or its stem."""

from __future__ import annotations

import re
from pathlib import Path

from harness.tasks.related import by_test_file


def related_tests(tree: Path, file: str, stable: list[str]) -> list[str]:
    parts = list(Path(file).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts:
        return []
    names = {".".join(parts), parts[-1]}
    pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in sorted(names)))
    return by_test_file(Path(tree), stable, "::", pattern)
