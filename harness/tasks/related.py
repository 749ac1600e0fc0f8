"""Which of the stable tests exercise a mutated file: the kill check runs those first.

Most candidates survive, and a survivor costs a whole suite run; running only the tests that can
see the mutated file first makes a survivor cheap.  The rules read the clean tree, per language,
and over-approximate (a test that might import the file counts):

- Python: test files (the part of the id before ``::``) that name the file's module or its stem;
- TypeScript / JavaScript: test files (before the first `` > ``) that import a path ending in the
  file's stem;
- Go: the top-level tests declared in the ``_test.go`` files of the file's own package directory;
- Rust and anything else: no selection (the whole suite), since unit, integration and doc tests all
  reach a crate's items through its public paths.

``None`` means "run the whole suite"; so does an empty selection.
"""

from __future__ import annotations

import re
from pathlib import Path


def related_tests(tree: Path, language: str, file: str, stable: list[str]) -> list[str] | None:
    rule = {"python": _python, "typescript": _typescript, "go": _go}.get(language)
    if rule is None:
        return None
    chosen = rule(Path(tree), Path(file), stable)
    return chosen if chosen and len(chosen) < len(stable) else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _by_file(tree: Path, stable: list[str], sep: str, pattern: re.Pattern) -> list[str]:
    files: dict[str, bool] = {}
    out = []
    for test in stable:
        name = test.split(sep, 1)[0]
        if name not in files:
            files[name] = bool(pattern.search(_read(tree / name)))
        if files[name]:
            out.append(test)
    return out


def _python(tree: Path, file: Path, stable: list[str]) -> list[str]:
    parts = list(file.with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts:
        return []
    names = {".".join(parts), parts[-1]}
    pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in sorted(names)))
    return _by_file(tree, stable, "::", pattern)


def _typescript(tree: Path, file: Path, stable: list[str]) -> list[str]:
    stem = file.name.split(".", 1)[0]
    target = stem if stem != "index" else file.parent.name
    pattern = re.compile(rf"""['"][^'"\n]*\b{re.escape(target)}(\.[cm]?[jt]sx?)?(/index(\.[cm]?[jt]sx?)?)?['"]""")
    return _by_file(tree, stable, " > ", pattern)


def _go(tree: Path, file: Path, stable: list[str]) -> list[str]:
    declared: set[str] = set()
    for test_file in (tree / file).parent.glob("*_test.go"):
        declared |= set(re.findall(r"^func (Test\w+|Example\w+|Fuzz\w+)\(", _read(test_file), re.M))
    return [t for t in stable if t.split("/", 1)[0] in declared]
