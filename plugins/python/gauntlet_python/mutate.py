"""Candidate bugs for Python sources, found with the standard library's ``ast``.

Operators (names for ``MutateOptions.operators``):

- ``comparison_flip``: ``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``is``/``is not``, ``in``/``not in``
- ``wrong_operator``: ``+``/``-``, ``*``/``/``, ``//`` to ``/``, ``%`` to ``//``, also in ``+=`` ...
- ``off_by_one``: an integer constant ``n`` to ``n + 1`` and ``n - 1`` (not below 0)
- ``slice_off_by_one``: the same for slice bounds (``xs[1:3]``), named apart for task statistics
- ``negate_condition``: the test of ``if``/``elif``/``while``/conditional expression to ``not (...)``
- ``bool_swap``: ``and``/``or``
- ``swap_arguments``: the first two positional arguments of a call
- ``remove_statement``: a simple statement to ``pass`` in a block that has other statements

Each candidate replaces one span of the source; candidates whose result does not parse are dropped.
"""

from __future__ import annotations

import ast
import bisect
import os
import random
import re
from pathlib import Path

from harness.mutation import MutateOptions, Mutation, make_mutation

OPERATORS = ("comparison_flip", "wrong_operator", "off_by_one", "slice_off_by_one", "negate_condition",
             "bool_swap", "swap_arguments", "remove_statement")
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox", ".nox", ".eggs",
             "site-packages"}
TEST_DIRS = {"tests", "test", "testing"}
COMPARE = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
           ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="), ast.Is: ("is", "is not"), ast.IsNot: ("is not", "is"),
           ast.In: ("in", "not in"), ast.NotIn: ("not in", "in")}
BINOP = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*"),
         ast.FloorDiv: ("//", "/"), ast.Mod: ("%", "//")}
SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise, ast.Delete)
_NEWLINE = re.compile(r"\r\n|\r|\n")
# harness.mutation.unified_diff splits lines with str.splitlines, which also breaks at these (form
# feeds, lone CRs, ...) where git does not: diffs of such files would not apply, so they are skipped.
_SPLITLINES_ONLY = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|\r(?!\n)")


def is_test_file(rel: Path) -> bool:
    name = rel.name
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or bool(TEST_DIRS & set(rel.parts[:-1])))


def source_files(workspace: Path, only: tuple[str, ...] | None) -> list[Path]:
    """Non-test ``.py`` files, relative, sorted; build, virtualenv and VCS folders are not entered."""
    found = []
    for root, dirs, files in os.walk(workspace):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        rel_root = Path(root).relative_to(workspace)
        found += [rel_root / f for f in files if f.endswith(".py")]
    wanted = None if only is None else {Path(f).as_posix() for f in only}
    return sorted(f for f in found if not is_test_file(f) and (wanted is None or f.as_posix() in wanted))


class _Offsets:
    """ast positions are (line, UTF-8 byte column); mutations need character offsets.

    Lines are split the way Python's tokenizer splits them (``\\n``, ``\\r\\n``, ``\\r``), not
    with ``str.splitlines``, which also breaks at form feeds and other separators.
    """

    def __init__(self, text: str, base: int = 0):
        self.starts = [base] + [base + m.end() for m in _NEWLINE.finditer(text)]
        self.text, self.base = text, base

    def at(self, line: int, col: int) -> int:
        start = self.starts[line - 1]
        line_text = self.text[start - self.base:start - self.base + col]  # col bytes >= col chars
        return start + len(line_text.encode()[:col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)


def _token(text: str, start: int, end: int, token: str) -> tuple[int, int] | None:
    """Span of operator ``token`` between two operands (comments between them are not expected)."""
    words = [re.escape(t) for t in token.split()]
    pattern = r"\s+".join(words)
    if token[0].isalpha():
        pattern = rf"\b{pattern}\b"
    elif token in ("<", ">"):
        pattern = rf"(?<![<>=!]){pattern}(?![=<>])"
    m = re.search(pattern, text[start:end])
    return (start + m.start(), start + m.end()) if m else None


def candidates_for(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, replacement, operator) for every mutation point of one file's text."""
    bom = 1 if text.startswith("\ufeff") else 0
    tree = ast.parse(text[bom:])
    off = _Offsets(text[bom:], bom)
    out: list[tuple[int, int, str, str]] = []
    slice_bounds = set()
    for n in ast.walk(tree):
        for bound in (n.lower, n.upper, n.step) if isinstance(n, ast.Slice) else ():
            slice_bounds.add(id(bound.operand if isinstance(bound, ast.UnaryOp) else bound))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                token, repl = COMPARE[type(op)]
                span = _token(text, off.span(left)[1], off.span(right)[0], token)
                if span:
                    out.append((*span, repl, "comparison_flip"))
                left = right
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP:
            token, repl = BINOP[type(node.op)]
            span = _token(text, off.span(node.left)[1], off.span(node.right)[0], token)
            if span:
                out.append((*span, repl, "wrong_operator"))
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP:
            token, repl = BINOP[type(node.op)]
            span = _token(text, off.span(node.target)[1], off.span(node.value)[0], token + "=")
            if span:
                out.append((*span, repl + "=", "wrong_operator"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            s, e = off.span(node)
            try:
                if ast.literal_eval(text[s:e]) != node.value:
                    continue  # a position that does not point at the literal (old f-string quirks)
            except (ValueError, SyntaxError):
                continue
            op = "slice_off_by_one" if id(node) in slice_bounds else "off_by_one"
            out.append((s, e, str(node.value + 1), op))
            if node.value > 0:
                out.append((s, e, str(node.value - 1), op))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            s, e = off.span(node.test)
            out.append((s, e, f"not ({text[s:e]})", "negate_condition"))
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            token, repl = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            span = _token(text, off.span(node.values[0])[1], off.span(node.values[1])[0], token)
            if span:
                out.append((*span, repl, "bool_swap"))
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
            (s1, e1), (s2, e2) = off.span(node.args[0]), off.span(node.args[1])
            a, b = text[s1:e1], text[s2:e2]
            if a != b and "\n" not in text[s1:e2]:
                out.append((s1, e2, b + text[e1:s2] + a, "swap_arguments"))
        for block in (getattr(node, "body", None), getattr(node, "orelse", None), getattr(node, "finalbody", None)):
            if isinstance(node, ast.Module) or not isinstance(block, list):
                continue
            body = [st for st in block if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
            if len(body) > 1:
                out += [(*off.span(st), "pass", "remove_statement") for st in body if isinstance(st, SIMPLE)]
    return out


class _Statements:
    """The character span of each top-level statement (decorators included): a mutation inside one
    parses when that statement's text does, so the check parses a few lines, not the whole file
    (20 ms per candidate on a 5,000-line module)."""

    def __init__(self, text: str):
        bom = 1 if text.startswith("\ufeff") else 0
        off = _Offsets(text[bom:], bom)
        self.spans = []
        for node in ast.parse(text[bom:]).body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            end = off.starts[node.end_lineno] if node.end_lineno < len(off.starts) else len(text)
            self.spans.append((off.starts[first - 1], end))
        self.starts = [s for s, _ in self.spans]

    def parses(self, text: str, start: int, end: int, replacement: str) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and end <= self.spans[i][1]:
            s, e = self.spans[i]
            source = text[s:start] + replacement + text[end:e]
        else:
            source = text[:start].lstrip("\ufeff") + replacement + text[end:]
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            return False
        return True


def mutations(workspace: Path, options: MutateOptions) -> list[Mutation]:
    """Candidates of the workspace: every mutation point, sorted, then shuffled by ``options.seed``;
    points whose result does not parse are dropped on the way, up to ``options.max_candidates``."""
    wanted = set(options.operators or OPERATORS)
    spots: list[tuple[str, int, str, str, int]] = []
    texts: dict[str, tuple[str, _Statements]] = {}
    for rel in source_files(workspace, options.files):
        try:
            # Bytes, not read_text: universal newlines would turn CRLF files into diffs that do not apply.
            text = (workspace / rel).read_bytes().decode("utf-8")
            if _SPLITLINES_ONLY.search(text):
                continue
            found = candidates_for(text)
            texts[rel.as_posix()] = (text, _Statements(text))
        except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        spots += [(rel.as_posix(), start, op, repl, end) for start, end, repl, op in found if op in wanted]
    spots.sort()
    random.Random(options.seed).shuffle(spots)
    out: list[Mutation] = []
    for file, start, op, repl, end in spots:
        text, statements = texts[file]
        if statements.parses(text, start, end, repl):
            out.append(make_mutation(file, text, start, end, repl, op))
            if options.max_candidates and len(out) >= options.max_candidates:
                break
    return out
