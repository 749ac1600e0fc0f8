"""Candidate bugs that ``gauntlet_mutate`` proposes.  Validation (does a test catch it?) is the core's job."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from harness.outcome import BuildResult, TestReport


@dataclass(frozen=True)
class MutateOptions:
    language: str | None = None
    seed: int = 0
    max_candidates: int | None = None
    operators: tuple[str, ...] | None = None  # None: every operator the plugin has
    files: tuple[str, ...] | None = None  # relative paths; None: every non-test source file


@dataclass(frozen=True)
class Mutation:
    """One candidate bug: which operator changed which span of which file, and the diff that does it.

    ``start``/``end`` are character offsets into the file's text; ``line`` is 1-based.
    """

    operator: str
    file: str
    line: int
    start: int
    end: int
    original: str
    replacement: str
    diff: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        """Unique per candidate: two operators may rewrite the same span in different ways."""
        digest = hashlib.sha1(f"{self.end}:{self.replacement}".encode()).hexdigest()[:8]
        return f"{self.file}:{self.line}:{self.start}:{self.operator}:{digest}"


@dataclass(frozen=True)
class Variant:
    """The workspace with one file's text replaced, to build and test (``gauntlet_test_variants``)."""

    file: str
    text: str
    selection: list[str] | None = None  # test ids, None: the whole suite
    fail_fast: bool = False  # stop at the first failing test


@dataclass
class VariantResult:
    """What building and testing one ``Variant`` gave; ``tests`` is None when the build failed."""

    build: "BuildResult"
    tests: "TestReport | None" = None
    # Tests the plugin did not run because it knows they cannot reach the change (they never call
    # the changed function on the clean code): they keep their clean outcome.  None: every
    # selected test ran (or is missing from ``tests`` for a reason the report gives).
    unaffected: "list[str] | None" = None


@dataclass(frozen=True)
class MutationTool:
    """A language's own mutation tool (cargo-mutants, mutmut), offered by its plugin through
    ``gauntlet_mutation_tools`` as a candidate source beside the plugin's operators.

    ``candidates`` lists the tool's mutants over a clean tree (on the host: listing runs none of
    the project's code) as plain ``Mutation`` records, so validation, dedupe and task writing do
    not care where a candidate came from.
    """

    name: str  # what users pass to ``gauntlet tasks generate --source``
    install: str  # the command that installs it, shown when it is missing
    installed: Callable[[], bool]
    # (clean tree, the files to mutate or None for every source file) -> candidates, in the tool's order
    candidates: Callable[["Path", "list[str] | None"], "list[Mutation]"]


def applied(source: str, mutation: Mutation) -> str | None:
    """``source`` with the mutation's span replaced, or None when the span no longer holds ``original``."""
    if source[mutation.start:mutation.end] != mutation.original:
        return None
    return source[:mutation.start] + mutation.replacement + source[mutation.end:]


def unified_diff(path: str, before: str, after: str) -> str:
    """A git-style unified diff (a/ b/ prefixes) that ``git apply`` and ``patch -p1`` both accept."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return f"diff --git a/{path} b/{path}\n{text}" if text else ""


def make_mutation(path: str, source: str, start: int, end: int, replacement: str, operator: str) -> Mutation:
    """Build a Mutation for replacing ``source[start:end]`` (character offsets) in file ``path``."""
    after = source[:start] + replacement + source[end:]
    line = source.count("\n", 0, start) + 1
    return Mutation(
        operator=operator,
        file=path,
        line=line,
        start=start,
        end=end,
        original=source[start:end],
        replacement=replacement,
        diff=unified_diff(path, source, after),
    )


def minimal_edit(path: str, before: str, after: str, operator: str) -> Mutation | None:
    """The smallest span that turns ``before`` into ``after`` (common prefix and suffix dropped): a
    tool that rewrites a whole file becomes one ``Mutation``."""
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
