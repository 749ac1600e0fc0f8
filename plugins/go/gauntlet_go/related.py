"""Go's rule for ``gauntlet_related_tests``: the top-level tests declared in the ``_test.go`` files
of the mutated file's own package directory (subtests go with their parent)."""

from __future__ import annotations

import re
from pathlib import Path

from harness.tasks.related import read_text


def related_tests(tree: Path, file: str, stable: list[str]) -> list[str]:
    declared: set[str] = set()
    for test_file in (Path(tree) / file).parent.glob("*_test.go"):
        declared |= set(re.findall(r"^func (Test\w+|Example\w+|Fuzz\w+)\(", read_text(test_file), re.M))
    return [t for t in stable if t.split("/", 1)[0] in declared]
