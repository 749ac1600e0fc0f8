"""TypeScript / JavaScript's rule for ``gauntlet_related_tests``: the test files (the part of the id
before the first `` > ``) that import a path ending in the mutated file's stem."""

from __future__ import annotations

import re
from pathlib import Path

from harness.tasks.related import by_test_file


def related_tests(tree: Path, file: str, stable: list[str]) -> list[str]:
    path = Path(file)
    stem = path.name.split(".", 1)[0]
    target = stem if stem != "index" else path.parent.name
    pattern = re.compile(rf"""['"][^'"\n]*\b{re.escape(target)}(\.[cm]?[jt]sx?)?(/index(\.[cm]?[jt]sx?)?)?['"]""")
    return by_test_file(Path(tree), stable, " > ", pattern)
