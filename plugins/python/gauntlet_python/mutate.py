"""Candidate bugs for Python sources, found with the standard library's ``ast``.

Operators: comparison_flip, wrong_operator, off_by_one (integer constants, slice bounds included),
negate_condition, bool_swap (and/or), swap_arguments, remove_statement.  Each candidate replaces
one span of the source; candidates whose result does not parse are dropped.
"""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

from harness.mutation import MutateOptions, Mutation, make_mutation

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", "tests", "test", ".tox"}
COMPARE = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
           ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="), ast.Is: ("is", "is not"), ast.IsNot: ("is not", "is"),
           ast.In: ("in", "not in"), ast.NotIn: ("not in", "in")}
BINOP = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*"),
         ast.FloorDiv: ("//", "/"), ast.Mod: ("%", "//")}


def is_test_file(rel: Path) -> bool:
    name = rel.name
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or bool(SKIP_DIRS & set(rel.parts[:-1])))


def source_files(workspace: Path, only: tuple[str, ...] | None) -> list[Path]:
    files = sorted(p.relative_to(workspace) for p in workspace.rglob("*.py"))
    files = [f for f in files if not is_test_file(f) and not any(part.endswith(".egg-info") for part in f.parts)]
    return [f for f in files if only is None or str(f) in only]


class _Offsets:
    """ast positions are (line, UTF-8 byte column); mutations need character offsets."""

    def __init__(self, text: str):
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode()[:col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)


def _between(text: str, start: int, end: int, token: str) -> tuple[int, int] | None:
    """Span of operator ``token`` in text[start:end] (outside strings is not checked: operands are nodes)."""
    pattern = r"\s+".join(re.escape(t) for t in token.split())
    m = re.search(rf"(?<![<>=!]){pattern}(?![=<>])" if token in ("<", ">", "=") else pattern, text[start:end])
    return (start + m.start(), start + m.end()) if m else None


def candidates_for(path: str, text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, replacement, operator) for every mutation point of one file."""
    tree = ast.parse(text)
    off = _Offsets(text)
    out: list[tuple[int, int, str, str]] = []
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                token, repl = COMPARE[type(op)]
                span = _between(text, off.span(left)[1], off.span(right)[0], token)
                if span:
                    out.append((*span, repl, "comparison_flip"))
                left = right
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP:
            token, repl = BINOP[type(node.op)]
            span = _between(text, off.span(node.left)[1], off.span(node.right)[0], token)
            if span:
                out.append((*span, repl, "wrong_operator"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            s, e = off.span(node)
            op = "slice_off_by_one" if isinstance(parents.get(node), ast.Slice) else "off_by_one"
            out.append((s, e, str(node.value + 1), op))
            if node.value > 0:
                out.append((s, e, str(node.value - 1), op))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            s, e = off.span(node.test)
            out.append((s, e, f"not ({text[s:e]})", "negate_condition"))
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            token, repl = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            span = _between(text, off.span(node.values[0])[1], off.span(node.values[1])[0], token)
            if span:
                out.append((*span, repl, "bool_swap"))
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
            (s1, e1), (s2, e2) = off.span(node.args[0]), off.span(node.args[1])
            a, b = text[s1:e1], text[s2:e2]
            if a != b and "\n" not in text[s1:e2]:
                out.append((s1, e2, b + text[e1:s2] + a, "swap_arguments"))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.For, ast.While, ast.If, ast.With)):
            body = [st for st in node.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
            if len(body) > 1:
                for st in body:
                    if isinstance(st, (ast.Expr, ast.Assign, ast.AugAssign, ast.Return, ast.AnnAssign)):
                        s, e = off.span(st)
                        out.append((s, e, "pass", "remove_statement"))
    return out


def mutations(workspace: Path, options: MutateOptions) -> list[Mutation]:
    found: list[Mutation] = []
    for rel in source_files(workspace, options.files):
        try:
            text = (workspace / rel).read_text(encoding="utf-8")
            spots = candidates_for(str(rel), text)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for start, end, repl, op in spots:
            if options.operators and op not in options.operators:
                continue
            mutated = text[:start] + repl + text[end:]
            try:
                ast.parse(mutated)
            except SyntaxError:
                continue
            found.append(make_mutation(rel.as_posix(), text, start, end, repl, op))
    found.sort(key=lambda m: (m.file, m.start, m.operator, m.replacement))
    random.Random(options.seed).shuffle(found)
    return found[: options.max_candidates] if options.max_candidates else found
